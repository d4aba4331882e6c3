/**
 * Notebook context: where outputs go (`outputDir`), whether a tslab kernel is running
 * (`inNotebook`), `publish` for the key numbers and `claim` for the checked lessons the headless
 * runner collects.
 */
export * from './context';
export * from './publish';
export * from './claims';
