import {
  ProtonClient,
  CreateServiceTemplateCommand,
  DeleteServiceTemplateCommand,
  GetServiceTemplateCommand,
  ServiceTemplate,
  UpdateServiceTemplateCommand,
} from '@aws-sdk/client-proton';
import type { IsCompleteRequest } from './engine/types';
import { TemplateCreateInput, TemplateHandler, TemplateInput } from './template-handler';
import { TemplateVersionCalls, serviceTemplateVersionCalls } from './template-versions';
import { SERVICE_TEMPLATE_SCHEMA, ServiceTemplateProperties } from '../src/custom-resources/contract';

/** `Custom::ProtonServiceTemplate`. */
export class ServiceTemplateHandler extends TemplateHandler<ServiceTemplateProperties, ServiceTemplate> {
  constructor(proton: ProtonClient, event: IsCompleteRequest) {
    super(proton, event, SERVICE_TEMPLATE_SCHEMA);
  }

  // Accessors, not fields: the base constructor parses (and checks) the properties before subclass fields exist.
  protected get kind(): string {
    return 'service template';
  }

  protected get nameProperty(): string {
    return 'serviceTemplateName';
  }

  protected get provisioningProperty(): 'PipelineProvisioning' {
    return 'PipelineProvisioning';
  }


  protected importHint(name: string): string {
    return `ServiceTemplate.fromServiceTemplateName(scope, id, '${name}')`;
  }

  protected async getTemplate(name: string): Promise<ServiceTemplate> {
    return (await this.proton.send(new GetServiceTemplateCommand({ name }))).serviceTemplate!;
  }

  protected async createTemplate(input: TemplateCreateInput): Promise<ServiceTemplate> {
    const { provisioning, ...rest } = input;
    const response = await this.proton.send(new CreateServiceTemplateCommand({ ...rest, pipelineProvisioning: provisioning as 'CUSTOMER_MANAGED' | undefined }));
    return response.serviceTemplate!;
  }

  protected async updateTemplate(input: TemplateInput): Promise<void> {
    await this.proton.send(new UpdateServiceTemplateCommand(input));
  }

  protected async deleteTemplate(name: string): Promise<void> {
    await this.proton.send(new DeleteServiceTemplateCommand({ name }));
  }

  protected provisioningOf(template: ServiceTemplate): string | undefined {
    return template.pipelineProvisioning;
  }

  protected versionCalls(): TemplateVersionCalls {
    return serviceTemplateVersionCalls(this.proton);
  }
}
