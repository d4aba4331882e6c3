export * from './context';
export * from './publish';
