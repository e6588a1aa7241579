import { STAGING_TTL_MS, type BlobData, type GenerationData } from '@lib/contracts';
import type { Decider } from '@lib/event-store';
import { WORKERS, WRITERS, requireRole, type Actor } from './actor';
import { stagedAssetId } from './asset-ids';
import { DomainValidationError, InvalidTransitionError, NotFoundError, Violations } from '@lib/domain';
import type { WorkspaceAssetEvent } from './events';
import {
  MAX_ASSET_INDEX,
  MAX_DURATION_SECONDS,
  MODEL_MAX_LENGTH,
  PROMPT_MAX_LENGTH,
  SETTINGS_MAX_BYTES,
  normalizeAssetType,
  normalizeMimeType,
  normalizeRequiredText,
  normalizeSha256,
  normalizeSizeBytes,
  normalizeUuid,
} from './rules';

/**
 * A generated asset staged in its user's workspace:
 *
 *   (none) --Add--> staged --Discard (its owner)--> discarded
 *                   staged --Expire (the sweep, once expiresAt has come)--> expired
 *
 * The id is derived from (workspace, user, job, index), so adding the same job's asset again
 * finds the stream and emits nothing: a retried job never duplicates. A staged asset is its
 * user's alone: to anyone else it does not exist. Saving it to the library is the library
 * item's decision (it reads this state); the staged asset itself stays until it expires.
 */

// ---- commands ----------------------------------------------------------------------------

interface WorkspaceAssetCommandBase<TType extends string> {
  type: TType;
  actor: Actor;
  now: Date;
}

export interface BlobInput {
  sha256: string;
  sizeBytes: number;
  mimeType: string;
  assetType: string;
}

export interface GenerationInput {
  jobId: string;
  assetIndex: number;
  seed: number;
  prompt: string;
  model: string;
  settings?: Record<string, unknown>;
  /** Videos; omitted or null when unknown, always null for images. */
  durationSeconds?: number | null;
}

export interface AddWorkspaceAsset extends WorkspaceAssetCommandBase<'AddWorkspaceAsset'> {
  /** `stagedAssetId(workspace, user, jobId, assetIndex)`: the stream is `workspace-asset-<assetId>`. */
  assetId: string;
  blob: BlobInput;
  generation: GenerationInput;
}

export type DiscardWorkspaceAsset = WorkspaceAssetCommandBase<'DiscardWorkspaceAsset'>;
export type ExpireWorkspaceAsset = WorkspaceAssetCommandBase<'ExpireWorkspaceAsset'>;

export type WorkspaceAssetCommand = AddWorkspaceAsset | DiscardWorkspaceAsset | ExpireWorkspaceAsset;

// ---- state -------------------------------------------------------------------------------

export interface StagedAsset {
  status: 'staged' | 'expired' | 'discarded';
  assetId: string;
  userId: string;
  blob: BlobData;
  generation: GenerationData;
  createdAt: string;
  expiresAt: string;
  /** When it expired or was discarded. */
  endedAt: string | null;
}

export type WorkspaceAssetState = { status: 'none' } | StagedAsset;

export function initialWorkspaceAssetState(): WorkspaceAssetState {
  return { status: 'none' };
}

export function workspaceAssetExists(state: WorkspaceAssetState): state is StagedAsset {
  return state.status !== 'none';
}

/** Staged and not yet due: what can still be saved. */
export function isLive(asset: StagedAsset, now: Date): boolean {
  return asset.status === 'staged' && now.getTime() < Date.parse(asset.expiresAt);
}

export function evolveWorkspaceAsset(state: WorkspaceAssetState, event: WorkspaceAssetEvent): WorkspaceAssetState {
  switch (event.type) {
    case 'WorkspaceAssetAdded': {
      const d = event.data;
      return {
        status: 'staged',
        assetId: d.assetId,
        userId: d.userId,
        blob: { ...d.blob },
        generation: { ...d.generation, settings: { ...d.generation.settings } },
        createdAt: d.createdAt,
        expiresAt: d.expiresAt,
        endedAt: null,
      };
    }
    case 'WorkspaceAssetExpired':
      return state.status === 'none' ? state : { ...state, status: 'expired', endedAt: event.data.expiredAt };
    case 'WorkspaceAssetDiscarded':
      return state.status === 'none' ? state : { ...state, status: 'discarded', endedAt: event.data.discardedAt };
  }
}

// ---- rules -------------------------------------------------------------------------------

function normalizeBlob(input: unknown, v: Violations): BlobData {
  const blob = (typeof input === 'object' && input !== null ? input : {}) as Partial<BlobInput>;
  if (typeof input !== 'object' || input === null) v.add('blob', 'must be an object');
  const mimeType = normalizeMimeType(blob.mimeType, v, 'blob.mimeType');
  return {
    sha256: normalizeSha256(blob.sha256, v, 'blob.sha256'),
    sizeBytes: normalizeSizeBytes(blob.sizeBytes, v, 'blob.sizeBytes'),
    mimeType,
    assetType: normalizeAssetType(blob.assetType, mimeType, v, 'blob.assetType'),
  };
}

function normalizeSettings(value: unknown, v: Violations): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    v.add('generation.settings', 'must be an object');
    return {};
  }
  let json: string;
  try {
    json = JSON.stringify(value);
  } catch {
    v.add('generation.settings', 'must be JSON');
    return {};
  }
  if (Buffer.byteLength(json, 'utf8') > SETTINGS_MAX_BYTES) v.add('generation.settings', `must be at most ${SETTINGS_MAX_BYTES} bytes as JSON`);
  // Stored as its JSON round trip: what a reader of the event will see.
  return JSON.parse(json) as Record<string, unknown>;
}

function normalizeGeneration(input: unknown, blob: BlobData, v: Violations): GenerationData {
  const generation = (typeof input === 'object' && input !== null ? input : {}) as Partial<GenerationInput>;
  if (typeof input !== 'object' || input === null) v.add('generation', 'must be an object');
  const { assetIndex, seed } = generation;
  if (typeof assetIndex !== 'number' || !Number.isInteger(assetIndex) || assetIndex < 0 || assetIndex > MAX_ASSET_INDEX) {
    v.add('generation.assetIndex', `must be an integer from 0 to ${MAX_ASSET_INDEX}`);
  }
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) v.add('generation.seed', 'must be an integer');
  const duration = generation.durationSeconds ?? null;
  if (duration !== null) {
    if (blob.assetType === 'image') v.add('generation.durationSeconds', 'must be null for an image');
    else if (typeof duration !== 'number' || !Number.isFinite(duration) || duration <= 0 || duration > MAX_DURATION_SECONDS) {
      v.add('generation.durationSeconds', `must be a number of seconds above 0 and at most ${MAX_DURATION_SECONDS}, or null`);
    }
  }
  return {
    jobId: normalizeUuid(generation.jobId, v, 'generation.jobId'),
    assetIndex: assetIndex ?? 0,
    seed: seed ?? 0,
    prompt: normalizeRequiredText(generation.prompt, PROMPT_MAX_LENGTH, v, 'generation.prompt'),
    model: normalizeRequiredText(generation.model, MODEL_MAX_LENGTH, v, 'generation.model'),
    settings: normalizeSettings(generation.settings, v),
    durationSeconds: duration,
  };
}

/**
 * The asset, when it is `actor`'s: another user's staged asset is answered as absent, as one of
 * another workspace is (the command handler never loads those).
 */
export function requireOwnStagedAsset(state: WorkspaceAssetState, actor: Actor, id?: string): StagedAsset {
  if (!workspaceAssetExists(state) || state.userId !== actor.userId) throw new NotFoundError('workspace asset', id);
  return state;
}

// ---- decide ------------------------------------------------------------------------------

function add(command: AddWorkspaceAsset, state: WorkspaceAssetState): WorkspaceAssetEvent[] {
  requireRole(command.type, command.actor, WRITERS);
  const v = new Violations();
  const blob = normalizeBlob(command.blob, v);
  const generation = normalizeGeneration(command.generation, blob, v);
  v.throwIfAny();
  const expected = stagedAssetId(command.actor.workspaceId, command.actor.userId, generation.jobId, generation.assetIndex);
  if (command.assetId !== expected) throw DomainValidationError.single('assetId', `must be ${expected}, derived from the workspace, the user, jobId and assetIndex`);
  if (workspaceAssetExists(state)) {
    // The same job's asset again: the one already staged is the answer.
    if (state.status === 'staged') return [];
    throw new InvalidTransitionError(command.type, state.status, { detail: `asset ${state.assetId} was ${state.status}` });
  }
  const createdAt = command.now.toISOString();
  const expiresAt = new Date(command.now.getTime() + STAGING_TTL_MS).toISOString();
  return [{ type: 'WorkspaceAssetAdded', data: { assetId: command.assetId, userId: command.actor.userId, blob, generation, createdAt, expiresAt } }];
}

function discard(command: DiscardWorkspaceAsset, state: WorkspaceAssetState): WorkspaceAssetEvent[] {
  requireRole(command.type, command.actor, WRITERS);
  const asset = requireOwnStagedAsset(state, command.actor);
  // Expired or discarded: gone, as a deleted template is.
  if (asset.status !== 'staged') throw new NotFoundError('workspace asset', asset.assetId);
  return [
    {
      type: 'WorkspaceAssetDiscarded',
      data: { assetId: asset.assetId, userId: asset.userId, sha256: asset.blob.sha256, discardedBy: command.actor.userId, discardedAt: command.now.toISOString() },
    },
  ];
}

function expire(command: ExpireWorkspaceAsset, state: WorkspaceAssetState): WorkspaceAssetEvent[] {
  requireRole(command.type, command.actor, WORKERS);
  if (!workspaceAssetExists(state)) throw new NotFoundError('workspace asset');
  // Already gone (the sweep read a view that had not caught up yet): nothing left to do.
  if (state.status !== 'staged') return [];
  if (command.now.getTime() < Date.parse(state.expiresAt)) {
    throw new InvalidTransitionError(command.type, state.status, { detail: `not due until ${state.expiresAt}` });
  }
  return [
    { type: 'WorkspaceAssetExpired', data: { assetId: state.assetId, userId: state.userId, sha256: state.blob.sha256, expiredAt: command.now.toISOString() } },
  ];
}

export function decideWorkspaceAsset(command: WorkspaceAssetCommand, state: WorkspaceAssetState): WorkspaceAssetEvent[] {
  switch (command.type) {
    case 'AddWorkspaceAsset':
      return add(command, state);
    case 'DiscardWorkspaceAsset':
      return discard(command, state);
    case 'ExpireWorkspaceAsset':
      return expire(command, state);
    default:
      throw DomainValidationError.single('type', `unknown command ${String((command as { type?: unknown }).type)}`);
  }
}

export const workspaceAssetDecider: Decider<WorkspaceAssetState, WorkspaceAssetCommand, WorkspaceAssetEvent> = {
  decide: decideWorkspaceAsset,
  evolve: evolveWorkspaceAsset,
  initialState: initialWorkspaceAssetState,
};
