import {
  ProtonClient,
  CreateEnvironmentTemplateCommand,
  DeleteEnvironmentTemplateCommand,
  EnvironmentTemplate,
  GetEnvironmentTemplateCommand,
  UpdateEnvironmentTemplateCommand,
} from '@aws-sdk/client-proton';
import type { IsCompleteRequest } from './engine/types';
import { TemplateCreateInput, TemplateHandler, TemplateInput } from './template-handler';
import { TemplateVersionCalls, environmentTemplateVersionCalls } from './template-versions';
import { ENVIRONMENT_TEMPLATE_SCHEMA, EnvironmentTemplateProperties } from '../src/custom-resources/contract';

/** `Custom::ProtonEnvironmentTemplate`. */
export class EnvironmentTemplateHandler extends TemplateHandler<EnvironmentTemplateProperties, EnvironmentTemplate> {
  constructor(proton: ProtonClient, event: IsCompleteRequest) {
    super(proton, event, ENVIRONMENT_TEMPLATE_SCHEMA);
  }

  // Accessors, not fields: the base constructor parses (and checks) the properties before subclass fields exist.
  protected get kind(): string {
    return 'environment template';
  }

  protected get nameProperty(): string {
    return 'environmentTemplateName';
  }

  protected get provisioningProperty(): 'Provisioning' {
    return 'Provisioning';
  }


  protected importHint(name: string): string {
    return `EnvironmentTemplate.fromEnvironmentTemplateName(scope, id, '${name}')`;
  }

  protected async getTemplate(name: string): Promise<EnvironmentTemplate> {
    return (await this.proton.send(new GetEnvironmentTemplateCommand({ name }))).environmentTemplate!;
  }

  protected async createTemplate(input: TemplateCreateInput): Promise<EnvironmentTemplate> {
    const { provisioning, ...rest } = input;
    const response = await this.proton.send(new CreateEnvironmentTemplateCommand({ ...rest, provisioning: provisioning as 'CUSTOMER_MANAGED' | undefined }));
    return response.environmentTemplate!;
  }

  protected async updateTemplate(input: TemplateInput): Promise<void> {
    await this.proton.send(new UpdateEnvironmentTemplateCommand(input));
  }

  protected async deleteTemplate(name: string): Promise<void> {
    await this.proton.send(new DeleteEnvironmentTemplateCommand({ name }));
  }

  protected provisioningOf(template: EnvironmentTemplate): string | undefined {
    return template.provisioning;
  }

  protected versionCalls(): TemplateVersionCalls {
    return environmentTemplateVersionCalls(this.proton);
  }
}
