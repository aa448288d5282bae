/**
 * The Proton API model the emulator validates against: `../model/proton-model.json`, generated
 * from botocore's `service-2.json.gz` by `../model/generate.ts` (nothing here is hand-written
 * about individual operations or shapes).
 */
import modelJson from '../model/proton-model.json';

export interface ModelShape {
  type: 'structure' | 'string' | 'list' | 'integer' | 'long' | 'boolean' | 'timestamp' | 'map' | 'double' | 'blob';
  /** Member name -> shape name (structures). */
  members?: Record<string, string>;
  required?: string[];
  /** Element shape name (lists). */
  member?: string;
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
  /** Exactly one member must be set. */
  union?: boolean;
  /** Redacted by SDK loggers; the emulator also omits the value from validation messages. */
  sensitive?: boolean;
  exception?: boolean;
}

export interface ModelOperation {
  input: string;
  output: string;
  errors: string[];
  /** Input member with the `idempotencyToken` trait (SDKs fill it with a random UUID). */
  idempotencyToken?: string;
}

export interface ProtonModel {
  source: string;
  apiVersion: string;
  targetPrefix: string;
  operations: Record<string, ModelOperation>;
  shapes: Record<string, ModelShape>;
}

export const MODEL: ProtonModel = modelJson as ProtonModel;

/** The 87 operation names of the model, sorted. */
export const OPERATION_NAMES: readonly string[] = Object.keys(MODEL.operations);
