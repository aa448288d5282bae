import * as fs from 'fs';
import { MODEL, OPERATION_NAMES } from '../../local/emulator/core/model';
import { composeOperations, missingOperations } from '../../local/emulator/core/operations';
import { MODEL_FILE, generateModel } from '../../local/emulator/model/generate';
import { RESOURCE_MODULES } from '../../local/emulator/resources';

describe('operation coverage', () => {
  test('the checked-in model is exactly what generate.ts derives from the installed botocore', () => {
    expect(fs.readFileSync(MODEL_FILE, 'utf-8')).toBe(generateModel().text);
  });

  test('the model has the 87 operations of Proton 2020-07-20, 7 with an idempotency token', () => {
    expect(MODEL.apiVersion).toBe('2020-07-20');
    expect(OPERATION_NAMES).toHaveLength(87);
    expect(Object.entries(MODEL.operations).filter(([, op]) => op.idempotencyToken).map(([name, op]) => `${name}.${op.idempotencyToken}`)).toEqual([
      'CreateComponent.clientToken',
      'CreateEnvironmentAccountConnection.clientToken',
      'CreateEnvironmentTemplateVersion.clientToken',
      'CreateServiceInstance.clientToken',
      'CreateServiceTemplateVersion.clientToken',
      'UpdateComponent.clientToken',
      'UpdateServiceInstance.clientToken',
    ]);
  });

  test('the resource modules implement every model operation exactly once', () => {
    const table = composeOperations(RESOURCE_MODULES);
    expect(missingOperations(table)).toEqual([]);
    expect(Object.keys(table).sort()).toEqual([...OPERATION_NAMES]);
  });
});
