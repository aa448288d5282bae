import { formatSpecErrors, parseEnvironmentSpec } from '../private/spec-schema';

/**
 * The inputs of an environment: what Proton receives as the `spec:` of a
 * `proton: EnvironmentSpec` document.
 *
 * @see https://docs.aws.amazon.com/proton/latest/userguide/ag-spec.html
 */
export abstract class EnvironmentSpec {
  /**
   * Inputs as an object, e.g. `{ vpc_cidr: '10.0.0.0/16' }`. Values may be tokens (they are
   * resolved at deploy time and not checked at synth).
   */
  public static fromInputs(inputs: { [name: string]: any }): EnvironmentSpec {
    return new InputsSpec({ ...inputs });
  }

  /**
   * A whole spec document as YAML text (`proton: EnvironmentSpec` with the inputs under `spec:`),
   * e.g. a spec file of your repository.
   */
  public static fromYaml(document: string): EnvironmentSpec {
    const parsed = parseEnvironmentSpec(document);
    if (!parsed.value) {
      throw new Error(`EnvironmentSpec.fromYaml: the document is not an environment spec: ${formatSpecErrors(parsed.errors)}. `
        + "Give a YAML document with 'proton: EnvironmentSpec' and the inputs under 'spec:'.");
    }
    return new InputsSpec({ ...parsed.value.inputs });
  }

  /** The inputs (the `spec:` mapping of the document). */
  public abstract readonly inputs: { [name: string]: any };
}

class InputsSpec extends EnvironmentSpec {
  constructor(public readonly inputs: { [name: string]: any }) {
    super();
  }
}

/**
 * The inputs of a service instance (the `service_input_type` of its template): the `spec:` of the
 * instance's entry in Proton's `proton: ServiceSpec` document.
 *
 * @see https://docs.aws.amazon.com/proton/latest/userguide/ag-spec.html
 */
export abstract class ServiceInstanceSpec {
  /**
   * Inputs as an object, e.g. `{ port: 8080 }`. Values may be tokens, e.g. an environment's
   * `getOutput('VpcId')` (resolved at deploy time and not checked at synth).
   */
  public static fromInputs(inputs: { [name: string]: any }): ServiceInstanceSpec {
    return new (class extends ServiceInstanceSpec {
      public readonly inputs = { ...inputs };
    })();
  }

  /** The inputs. */
  public abstract readonly inputs: { [name: string]: any };
}

/**
 * The inputs of a service's pipeline (the `pipeline_input_type` of its template): the `pipeline:`
 * mapping of Proton's `proton: ServiceSpec` document.
 *
 * @see https://docs.aws.amazon.com/proton/latest/userguide/ag-spec.html
 */
export abstract class ServicePipelineSpec {
  /** Inputs as an object, e.g. `{ unit_test_command: 'npm test' }`. Values may be tokens. */
  public static fromInputs(inputs: { [name: string]: any }): ServicePipelineSpec {
    return new (class extends ServicePipelineSpec {
      public readonly inputs = { ...inputs };
    })();
  }

  /** The inputs. */
  public abstract readonly inputs: { [name: string]: any };
}
