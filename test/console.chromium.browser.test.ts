/** The web console's user journeys in Debian's headless Chromium (the scenarios: test/support/consoleScenarios.ts). */
import { consoleScenarios } from './support/consoleScenarios';

consoleScenarios('chromium');
