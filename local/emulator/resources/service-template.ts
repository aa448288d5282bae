import { templateOperations } from './template-operations';
import type { OperationTable } from '../core/runtime';

/**
 * Service templates (proton-api.md §2 ServiceTemplate). `pipelineProvisioning: CUSTOMER_MANAGED`
 * means no Proton-provisioned pipeline: its bundles have no `pipeline_infrastructure/` and no
 * `pipeline_input_type` (template-bundle-rules). Versions: template-version.ts.
 */
export const operations: OperationTable = templateOperations('SERVICE');
