import {
  TEMPLATE_CONTENT_FIELDS,
  isPlatform,
  type Platform,
  type TemplateContentData,
} from '@lib/contracts';
import type { Decider } from '@lib/event-store';
import { WRITERS, requireRole, type Actor } from './actor';
import { DomainValidationError, InvalidTransitionError, NotFoundError, Violations } from '@lib/domain';
import type { ContentDomainEvent } from './post.events';
import { BODY_MAX_LENGTH, isUuid, normalizeOptionalLabel, textLength } from './post.rules';

/**
 * Content templates: reusable text with `{{placeholder}}` slots. A name unique per workspace spans
 * streams, so it is not this decider's: the templates service reserves names in `template_names`
 * in the same transaction as the append.
 * Editors write; a deleted template is gone (404 on any further command).
 */
export const TEMPLATE_NAME_MAX_LENGTH = 100;
export const MAX_PLACEHOLDERS = 50;

const TOKEN = /\{\{([^{}]*)\}\}/g;
const PLACEHOLDER_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

// ---- commands ----------------------------------------------------------------------------

interface TemplateCommandBase<TType extends string> {
  type: TType;
  actor: Actor;
  now: Date;
}

export interface CreateTemplate extends TemplateCommandBase<'CreateTemplate'> {
  templateId: string;
  name: string;
  body: string;
  platforms?: string[];
  category?: string | null;
}

/** Partial: omitted fields stay; `category: null` clears it. */
export interface TemplateChanges {
  name?: string;
  body?: string;
  platforms?: string[];
  category?: string | null;
}

export interface UpdateTemplate extends TemplateCommandBase<'UpdateTemplate'> {
  changes: TemplateChanges;
}

export type DeleteTemplate = TemplateCommandBase<'DeleteTemplate'>;

export type TemplateCommand = CreateTemplate | UpdateTemplate | DeleteTemplate;

// ---- events ------------------------------------------------------------------------------

export type TemplateCreated = ContentDomainEvent<'TemplateCreated'>;
export type TemplateUpdated = ContentDomainEvent<'TemplateUpdated'>;
export type TemplateDeleted = ContentDomainEvent<'TemplateDeleted'>;
export type TemplateEvent = TemplateCreated | TemplateUpdated | TemplateDeleted;

// ---- state -------------------------------------------------------------------------------

export interface Template extends TemplateContentData {
  status: 'active' | 'deleted';
  templateId: string;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export type TemplateState = { status: 'none' } | Template;

export function initialTemplateState(): TemplateState {
  return { status: 'none' };
}

export function evolveTemplate(state: TemplateState, event: TemplateEvent): TemplateState {
  switch (event.type) {
    case 'TemplateCreated': {
      const { templateId, createdBy, createdAt } = event.data;
      return { status: 'active', templateId, ...contentOf(event.data), createdBy, createdAt, updatedAt: createdAt };
    }
    case 'TemplateUpdated':
      return state.status === 'none' ? state : { ...state, ...contentOf(event.data), updatedAt: event.data.updatedAt };
    case 'TemplateDeleted':
      return state.status === 'none' ? state : { ...state, status: 'deleted', updatedAt: event.data.deletedAt };
  }
}

// ---- rules -------------------------------------------------------------------------------

function contentOf(data: TemplateContentData): TemplateContentData {
  return { name: data.name, body: data.body, placeholders: [...data.placeholders], platforms: [...data.platforms], category: data.category };
}

/**
 * The placeholder names in a template body, unique, in order of first appearance. Every `{{`
 * must close with `}}` around a name like `first_name` or `product.price`.
 */
export function parsePlaceholders(body: string, v: Violations, field = 'body'): string[] {
  const names: string[] = [];
  for (const match of body.matchAll(TOKEN)) {
    const name = match[1].trim();
    if (!PLACEHOLDER_NAME.test(name)) {
      v.add(field, `"${match[0]}" is not a placeholder (use {{name}} with letters, digits, _ and .)`);
      continue;
    }
    if (!names.includes(name)) names.push(name);
  }
  const rest = body.replace(TOKEN, '');
  if (rest.includes('{{') || rest.includes('}}')) v.add(field, 'has an unmatched {{ or }}');
  if (names.length > MAX_PLACEHOLDERS) v.add(field, `at most ${MAX_PLACEHOLDERS} distinct placeholders, got ${names.length}`);
  return names;
}

/** Fills the placeholders; those without a value stay as they are and are listed as missing. */
export function fillTemplate(body: string, values: Readonly<Record<string, string>>): { text: string; missing: string[] } {
  const missing: string[] = [];
  const text = body.replace(TOKEN, (token, inner: string) => {
    const name = inner.trim();
    if (Object.prototype.hasOwnProperty.call(values, name)) return values[name];
    if (!missing.includes(name)) missing.push(name);
    return token;
  });
  return { text, missing };
}

function normalizeName(value: unknown, v: Violations): string {
  if (typeof value !== 'string' || value.trim().length === 0) {
    v.add('name', 'is required');
    return '';
  }
  const name = value.trim();
  if (textLength(name) > TEMPLATE_NAME_MAX_LENGTH) v.add('name', `must be at most ${TEMPLATE_NAME_MAX_LENGTH} characters`);
  return name;
}

function normalizeTemplateBody(value: unknown, v: Violations): string {
  if (typeof value !== 'string' || value.trim().length === 0) {
    v.add('body', 'is required');
    return '';
  }
  if (textLength(value) > BODY_MAX_LENGTH) v.add('body', `must be at most ${BODY_MAX_LENGTH} characters`);
  return value;
}

function normalizePlatforms(value: unknown, v: Violations): Platform[] {
  if (!Array.isArray(value)) {
    v.add('platforms', 'must be an array');
    return [];
  }
  const platforms: Platform[] = [];
  value.forEach((raw: unknown, i) => {
    if (!isPlatform(raw)) v.add(`platforms.${i}`, `"${String(raw)}" is not a platform`);
    else if (platforms.includes(raw)) v.add(`platforms.${i}`, `${raw} appears more than once`);
    else platforms.push(raw);
  });
  return platforms;
}

// ---- decide ------------------------------------------------------------------------------

function requireTemplate(state: TemplateState): Template {
  if (state.status !== 'active') throw new NotFoundError('template', state.status === 'deleted' ? state.templateId : undefined);
  return state;
}

export function decideTemplate(command: TemplateCommand, state: TemplateState): TemplateEvent[] {
  switch (command.type) {
    case 'CreateTemplate': {
      requireRole(command.type, command.actor, WRITERS);
      if (state.status !== 'none') throw new InvalidTransitionError(command.type, state.status, { allowed: [], detail: `template ${state.templateId} already exists` });
      const v = new Violations();
      if (!isUuid(command.templateId)) v.add('templateId', 'must be a uuid');
      const name = normalizeName(command.name, v);
      const body = normalizeTemplateBody(command.body, v);
      const placeholders = parsePlaceholders(body, v);
      const platforms = command.platforms === undefined ? [] : normalizePlatforms(command.platforms, v);
      const category = normalizeOptionalLabel(command.category, v, 'category');
      v.throwIfAny();
      return [
        {
          type: 'TemplateCreated',
          data: { templateId: command.templateId, name, body, placeholders, platforms, category, createdBy: command.actor.id, createdAt: command.now.toISOString() },
        },
      ];
    }
    case 'UpdateTemplate': {
      requireRole(command.type, command.actor, WRITERS);
      const template = requireTemplate(state);
      const v = new Violations();
      const changes: Record<string, unknown> = typeof command.changes === 'object' && command.changes !== null ? { ...command.changes } : {};
      if (typeof command.changes !== 'object' || command.changes === null) v.add('changes', 'must be an object');
      for (const key of Object.keys(changes)) {
        if (!(TEMPLATE_CONTENT_FIELDS as readonly string[]).includes(key)) v.add(key, 'is not an editable field');
      }
      const current = contentOf(template);
      const body = changes.body !== undefined ? normalizeTemplateBody(changes.body, v) : current.body;
      const next: TemplateContentData = {
        name: changes.name !== undefined ? normalizeName(changes.name, v) : current.name,
        body,
        placeholders: changes.body !== undefined ? parsePlaceholders(body, v) : current.placeholders,
        platforms: changes.platforms !== undefined ? normalizePlatforms(changes.platforms, v) : current.platforms,
        category: changes.category !== undefined ? normalizeOptionalLabel(changes.category, v, 'category') : current.category,
      };
      v.throwIfAny();
      const changedFields = TEMPLATE_CONTENT_FIELDS.filter((field) => JSON.stringify(current[field]) !== JSON.stringify(next[field]));
      if (changedFields.length === 0) return [];
      return [
        {
          type: 'TemplateUpdated',
          data: { templateId: template.templateId, ...next, changedFields, updatedBy: command.actor.id, updatedAt: command.now.toISOString() },
        },
      ];
    }
    case 'DeleteTemplate': {
      requireRole(command.type, command.actor, WRITERS);
      const template = requireTemplate(state);
      return [
        {
          type: 'TemplateDeleted',
          data: { templateId: template.templateId, name: template.name, deletedBy: command.actor.id, deletedAt: command.now.toISOString() },
        },
      ];
    }
    default:
      throw DomainValidationError.single('type', `unknown command ${String((command as { type?: unknown }).type)}`);
  }
}

export const templateDecider: Decider<TemplateState, TemplateCommand, TemplateEvent> = {
  decide: decideTemplate,
  evolve: evolveTemplate,
  initialState: initialTemplateState,
};
