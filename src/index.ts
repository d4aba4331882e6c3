/**
 * vaelab: the helpers module every notebook imports (`import * as vl from '../dist'`).
 * One barrel per concern; see docs/architecture.md for how the pieces fit.
 */
export * from './rng';
export * from './types';
export * from './backend';
export * from './data';
export * from './noise';
export * from './models';
export * from './losses';
export * from './training';
export * from './analysis';
export * from './metrics';
export * from './figures';
export * from './notebook';
export * from './curriculum';
export * from './checks';
