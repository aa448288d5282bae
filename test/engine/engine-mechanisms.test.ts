import { STACK_ID } from './cfn-events';
import { clientToken } from '../../lambda/engine/client-token';
import { MAX_FAILURE_MESSAGE_LENGTH, failure, truncate } from '../../lambda/engine/errors';
import { PropertyReader } from '../../lambda/engine/properties';
import { planUpdate } from '../../lambda/engine/resource-handler';
import { PropertiesOf, property } from '../../src/custom-resources/contract';

describe('clientToken', () => {
  const request = { StackId: STACK_ID, LogicalResourceId: 'Version', RequestId: 'req-1' };

  test('is 64 lowercase hex characters, within Proton\'s ClientToken pattern', () => {
    const token = clientToken(request, 'create');
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(token).toMatch(/^[!-~]{0,64}$/);
  });

  test('a retried request reuses the token; a new request, resource, stack or purpose does not', () => {
    const token = clientToken(request, 'create');
    expect(clientToken({ ...request }, 'create')).toBe(token);
    const others = [
      clientToken({ ...request, RequestId: 'req-2' }, 'create'),
      clientToken({ ...request, LogicalResourceId: 'Other' }, 'create'),
      clientToken({ ...request, StackId: STACK_ID.replace('ProtonStack', 'OtherStack') }, 'create'),
      clientToken(request, 'update'),
    ];
    expect(new Set([token, ...others]).size).toBe(5);
  });
});

describe('PropertyReader', () => {
  const reader = (raw: Record<string, unknown>) => new PropertyReader('Custom::ProtonThing', raw);

  test('parses the strings CloudFormation sends back into booleans and numbers', () => {
    const r = reader({ Flag: 'true', Off: 'false', Count: '42', Ratio: '0.5' });
    expect(r.optionalBoolean('Flag')).toBe(true);
    expect(r.optionalBoolean('Off')).toBe(false);
    expect(r.optionalNumber('Count')).toBe(42);
    expect(r.optionalNumber('Ratio')).toBe(0.5);
    expect(r.optionalBoolean('Missing')).toBeUndefined();
    expect(r.optionalNumber('Missing')).toBeUndefined();
  });

  test('accepts native scalars too (the local runner may pass them unstringified)', () => {
    const r = reader({ Flag: true, Count: 7, Name: 12 });
    expect(r.optionalBoolean('Flag')).toBe(true);
    expect(r.optionalNumber('Count')).toBe(7);
    expect(r.requiredString('Name')).toBe('12');
  });

  test('reads string maps, stringifying their values', () => {
    expect(reader({ Tags: { a: '1', b: 2 } }).optionalStringMap('Tags')).toEqual({ a: '1', b: '2' });
    expect(reader({}).optionalStringMap('Tags')).toBeUndefined();
  });

  test('names the resource type, the property and the problem', () => {
    expect(() => reader({ Flag: 'yes' }).optionalBoolean('Flag')).toThrow('Custom::ProtonThing property Flag must be "true" or "false", got "yes".');
    expect(() => reader({ Count: 'many' }).optionalNumber('Count')).toThrow('Custom::ProtonThing property Count must be a number, got "many".');
    expect(() => reader({ Count: '' }).optionalNumber('Count')).toThrow('Custom::ProtonThing property Count must be a number, got "".');
    expect(() => reader({}).requiredString('Name')).toThrow('Custom::ProtonThing property Name is required.');
    expect(() => reader({ Name: ['x'] }).optionalString('Name')).toThrow('Custom::ProtonThing property Name must be a string, got object.');
    expect(() => reader({ Tags: ['x'] }).optionalStringMap('Tags')).toThrow('Custom::ProtonThing property Tags must be a map of strings.');
    expect(() => reader({ Tags: { a: { b: 'c' } } }).optionalStringMap('Tags')).toThrow('Custom::ProtonThing.Tags property a must be a string, got object.');
  });
});

describe('PropertyReader.read (a kind\'s schema from the contract)', () => {
  const reader = (raw: Record<string, unknown>) => new PropertyReader('Custom::ProtonThing', raw);
  const schema = { Kind: property.oneOf(['A', 'B'] as const), Name: property.string, Key: property.optionalString, Tags: property.tags };

  test('reads every key by its rule and leaves out absent optional keys (so an update compares equal)', () => {
    const props: PropertiesOf<typeof schema> = reader({ Kind: 'A', Name: 42, Tags: { a: 1 }, Extra: 'ignored' }).read(schema);
    expect(props).toEqual({ Kind: 'A', Name: '42', Tags: { a: '1' } });
    expect(Object.keys(props)).toEqual(['Kind', 'Name', 'Tags']);
    expect(reader({ Kind: 'B', Name: 'n', Key: 'k' }).read(schema)).toEqual({ Kind: 'B', Name: 'n', Key: 'k' });
  });

  test('names the property and the problem, as the readers do', () => {
    expect(() => reader({ Kind: 'C', Name: 'n' }).read(schema)).toThrow('Custom::ProtonThing property Kind must be one of A, B, got "C".');
    expect(() => reader({ Kind: 'A' }).read(schema)).toThrow('Custom::ProtonThing property Name is required.');
    expect(() => reader({ Kind: 'A', Name: 'n', Tags: 'x' }).read(schema)).toThrow('Custom::ProtonThing property Tags must be a map of strings.');
  });
});

describe('planUpdate', () => {
  interface P { Name: string; Key?: string; Display?: string; Tags?: Record<string, string> }
  const immutable: Array<keyof P> = ['Name', 'Key'];

  test('no change is a no-op', () => {
    expect(planUpdate<P>({ Name: 'a', Tags: { x: '1' } }, { Name: 'a', Tags: { x: '1' } }, immutable)).toEqual({ kind: 'no-op' });
  });

  test('mutable changes are in place, named', () => {
    expect(planUpdate<P>({ Name: 'a', Display: 'd' }, { Name: 'a', Tags: { x: '1' } }, immutable))
      .toEqual({ kind: 'in-place', changes: ['Display', 'Tags'] });
  });

  test('any immutable change is a replacement, naming only the immutable reasons', () => {
    expect(planUpdate<P>({ Name: 'a', Display: 'd' }, { Name: 'a', Key: 'k', Display: 'e' }, immutable))
      .toEqual({ kind: 'replacement', reasons: ['Key'] });
  });
});

describe('failure messages', () => {
  test('carry Proton\'s error name and message', () => {
    const proton = Object.assign(new Error('The environment template \'x\' has versions.'), { name: 'ConflictException' });
    expect(failure('Could not delete x', proton).message).toBe('Could not delete x (Proton: ConflictException: The environment template \'x\' has versions.)');
  });

  test('are cut to the budget, marking the cut', () => {
    const long = failure('x'.repeat(5000));
    expect(long.message).toHaveLength(MAX_FAILURE_MESSAGE_LENGTH);
    expect(long.message.endsWith(' [truncated]')).toBe(true);
    expect(truncate('short')).toBe('short');
  });
});
