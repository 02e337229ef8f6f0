import { healthSuite } from './health-suite.ts';
import { memoryKit } from './helpers.ts';

healthSuite(memoryKit);
