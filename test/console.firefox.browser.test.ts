/** The web console's user journeys in Debian's headless firefox-esr over WebDriver BiDi (the scenarios: test/support/consoleScenarios.ts). */
import { consoleScenarios } from './support/consoleScenarios';

consoleScenarios('firefox');
