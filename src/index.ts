export * from './constructs/environment-template';
export * from './constructs/template-bundle';
