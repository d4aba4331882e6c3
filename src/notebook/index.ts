/**
 * Notebook context: where outputs go (`outputDir`), whether a tslab kernel is running
 * (`inNotebook`), and `publish` for the key numbers the headless runner collects.
 */
export * from './context';
export * from './publish';
