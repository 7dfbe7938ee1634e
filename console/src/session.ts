/**
 * Where the sign-in is kept: sessionStorage (this tab, until it closes) unless the user asks to
 * remember it, then localStorage (this browser, until signing out). Only this origin can read it.
 */
const KEY = 'devhub.console.credentials';

export interface SavedSignIn {
  secret: string;
  remember: boolean;
}

export function loadSignIn(): SavedSignIn | undefined {
  const local = localStorage.getItem(KEY);
  if (local) return { secret: local, remember: true };
  const session = sessionStorage.getItem(KEY);
  return session ? { secret: session, remember: false } : undefined;
}

export function saveSignIn(secret: string, remember: boolean): void {
  forgetSignIn();
  (remember ? localStorage : sessionStorage).setItem(KEY, secret);
}

export function forgetSignIn(): void {
  localStorage.removeItem(KEY);
  sessionStorage.removeItem(KEY);
}
