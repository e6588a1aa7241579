import { deciderSpec } from '@lib/testing';
import type { Actor } from './actor';
import { DomainValidationError, InvalidTransitionError, NotFoundError } from '@lib/domain';
import { RoleForbiddenError } from './errors';
import { fillTemplate, templateDecider, type Template, type TemplateCommand, type TemplateEvent } from './template';

const spec = deciderSpec(templateDecider);

const templateId = '3c2b1a0f-9e8d-4c7b-a6f5-e4d3c2b1a0f9';
const editor: Actor = { id: 'user-editor', role: 'editor' };
const viewer: Actor = { id: 'user-viewer', role: 'viewer' };
const t0 = new Date('2030-01-01T09:00:00.000Z');
const t1 = new Date('2030-01-02T09:00:00.000Z');

const create = (over: Record<string, unknown> = {}): TemplateCommand =>
  ({
    type: 'CreateTemplate',
    actor: editor,
    now: t0,
    templateId,
    name: ' Product launch ',
    body: 'Meet {{ product }} — {{tagline}}! Only {{product}} at {{price.eur}}.',
    platforms: ['instagram', 'x'],
    category: 'launch',
    ...over,
  }) as TemplateCommand;
const update = (changes: Record<string, unknown>, actor: Actor = editor): TemplateCommand => ({ type: 'UpdateTemplate', actor, now: t1, changes }) as TemplateCommand;
const remove = (actor: Actor = editor): TemplateCommand => ({ type: 'DeleteTemplate', actor, now: t1 });

const created: TemplateEvent = {
  type: 'TemplateCreated',
  data: {
    templateId,
    name: 'Product launch',
    body: 'Meet {{ product }} — {{tagline}}! Only {{product}} at {{price.eur}}.',
    placeholders: ['product', 'tagline', 'price.eur'],
    platforms: ['instagram', 'x'],
    category: 'launch',
    createdBy: editor.id,
    createdAt: t0.toISOString(),
  },
};
const deleted: TemplateEvent = { type: 'TemplateDeleted', data: { templateId, name: 'Product launch', deletedBy: editor.id, deletedAt: t1.toISOString() } };

describe('CreateTemplate', () => {
  it('given no template, when created, then TemplateCreated with its placeholders', () => {
    const state = spec.given([]).when(create()).then([created]);
    expect(state).toMatchObject({ status: 'active', placeholders: ['product', 'tagline', 'price.eur'] });
  });

  it('defaults: any platform, no category', () => {
    const [event] = spec.given([]).when(create({ platforms: undefined, category: undefined, body: 'Plain text' })).run().events;
    expect(event.data).toMatchObject({ platforms: [], category: null, placeholders: [] });
  });

  it('given a template, when created again, then InvalidTransitionError (also after deletion: ids are not reused)', () => {
    spec.given([created]).when(create()).thenThrows(InvalidTransitionError, { status: 'active' });
    spec.given([created, deleted]).when(create()).thenThrows(InvalidTransitionError, { status: 'deleted' });
  });

  it('reports every broken rule at once', () => {
    const error = spec
      .given([])
      .when(create({ templateId: 'tpl-1', name: ' ', body: 'Hi {{ first name }} and {{1st}}, {{unclosed', platforms: ['x', 'x', 'orkut'], category: '' }))
      .thenThrows(DomainValidationError);
    expect(error.violations.map((v) => v.field)).toEqual(['templateId', 'name', 'body', 'body', 'body', 'platforms.1', 'platforms.2', 'category']);
    expect(error.violations.slice(2, 5).map((v) => v.message)).toEqual([
      '"{{ first name }}" is not a placeholder (use {{name}} with letters, digits, _ and .)',
      '"{{1st}}" is not a placeholder (use {{name}} with letters, digits, _ and .)',
      'has an unmatched {{ or }}',
    ]);
  });

  it('refuses an empty body, a stray }} and a name over 100 characters', () => {
    spec.given([]).when(create({ body: '  ' })).thenThrows(DomainValidationError, { violations: [{ field: 'body', message: 'is required' }] });
    spec.given([]).when(create({ body: 'done }}' })).thenThrows(DomainValidationError, { violations: [{ field: 'body', message: 'has an unmatched {{ or }}' }] });
    spec.given([]).when(create({ name: 'n'.repeat(101) })).thenThrows(DomainValidationError, { violations: [{ field: 'name', message: 'must be at most 100 characters' }] });
  });

  it('refuses a viewer', () => {
    spec.given([]).when(create({ actor: viewer })).thenThrows(RoleForbiddenError);
  });
});

describe('UpdateTemplate', () => {
  it('given a template, when its body changes, then TemplateUpdated with the placeholders found again', () => {
    spec
      .given([created])
      .when(update({ body: 'Say hi to {{name}}', category: null }))
      .then([
        {
          type: 'TemplateUpdated',
          data: {
            templateId,
            name: 'Product launch',
            body: 'Say hi to {{name}}',
            placeholders: ['name'],
            platforms: ['instagram', 'x'],
            category: null,
            changedFields: ['body', 'category'],
            updatedBy: editor.id,
            updatedAt: t1.toISOString(),
          },
        },
      ]);
  });

  it('given a template, when an update changes nothing, then nothing happens', () => {
    spec.given([created]).when(update({ name: 'Product launch ', platforms: ['instagram', 'x'] })).thenNothingHappened();
    spec.given([created]).when(update({ category: undefined, body: undefined })).thenNothingHappened();
  });

  it('refuses fields that cannot be edited, and bad values', () => {
    const error = spec.given([created]).when(update({ placeholders: ['x'], platforms: 'x' })).thenThrows(DomainValidationError);
    expect(error.violations.map((v) => v.field)).toEqual(['placeholders', 'platforms']);
  });

  it('given no template or a deleted one, then NotFoundError', () => {
    spec.given([]).when(update({ name: 'x' })).thenThrows(NotFoundError, { entity: 'template' });
    spec.given([created, deleted]).when(update({ name: 'x' })).thenThrows(NotFoundError, { id: templateId });
  });

  it('refuses a viewer', () => {
    spec.given([created]).when(update({ name: 'x' }, viewer)).thenThrows(RoleForbiddenError);
  });
});

describe('DeleteTemplate', () => {
  it('given a template, when deleted, then TemplateDeleted and gone', () => {
    const state = spec.given([created]).when(remove()).then([deleted]);
    expect((state as Template).status).toBe('deleted');
  });

  it('given no template or a deleted one, then NotFoundError', () => {
    spec.given([]).when(remove()).thenThrows(NotFoundError);
    spec.given([created, deleted]).when(remove()).thenThrows(NotFoundError);
  });

  it('refuses a viewer', () => {
    spec.given([created]).when(remove(viewer)).thenThrows(RoleForbiddenError);
  });

  it('refuses an unknown command', () => {
    spec.given([created]).when({ type: 'CloneTemplate', actor: editor, now: t1 } as never).thenThrows(DomainValidationError);
  });
});

describe('fillTemplate', () => {
  it('fills what it has and lists what is missing', () => {
    expect(fillTemplate('Meet {{ product }} — {{tagline}}! Only {{product}} at {{price.eur}}.', { product: 'Acme One', tagline: 'fast' })).toEqual({
      text: 'Meet Acme One — fast! Only Acme One at {{price.eur}}.',
      missing: ['price.eur'],
    });
  });
});
