import { templateOperations } from './template-operations';
import type { OperationTable } from '../core/runtime';

/**
 * Environment templates (proton-api.md §2 EnvironmentTemplate). `provisioning: CUSTOMER_MANAGED`
 * makes a template for externally provisioned infrastructure: its bundles hold only a schema of
 * the infrastructure's outputs (template-bundle-rules). Versions: template-version.ts.
 */
export const operations: OperationTable = templateOperations('ENVIRONMENT');
