import type { Platform } from './platforms';

/** Payloads of the `template` stream (streamId `template-<uuid>`). */
export const TEMPLATE_STREAM_TYPE = 'template';

export function templateStreamId(templateId: string): string {
  return `${TEMPLATE_STREAM_TYPE}-${templateId}`;
}

export interface TemplateContentData {
  /** Unique per workspace (case-insensitive): reserved in the same transaction as the append. */
  name: string;
  /** Text with `{{placeholder}}` slots. */
  body: string;
  /** The placeholder names found in `body`, unique, in order of first appearance. */
  placeholders: string[];
  /** Platforms the template is meant for; empty: any. */
  platforms: Platform[];
  category: string | null;
}

export interface TemplateCreatedData extends TemplateContentData {
  templateId: string;
  createdBy: string;
  createdAt: string;
}

export const TEMPLATE_CONTENT_FIELDS = ['name', 'body', 'platforms', 'category'] as const;
export type TemplateContentField = (typeof TEMPLATE_CONTENT_FIELDS)[number];

export interface TemplateUpdatedData extends TemplateContentData {
  templateId: string;
  changedFields: TemplateContentField[];
  updatedBy: string;
  updatedAt: string;
}

export interface TemplateDeletedData {
  templateId: string;
  name: string;
  deletedBy: string;
  deletedAt: string;
}
