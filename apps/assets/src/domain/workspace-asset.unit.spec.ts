import { STAGING_TTL_MS } from '@lib/contracts';
import { deciderSpec } from '@lib/testing';
import type { Actor } from './actor';
import { stagedAssetId } from './asset-ids';
import { DomainValidationError, ForbiddenError, InvalidTransitionError, NotFoundError } from '@lib/domain';
import type { WorkspaceAssetEvent } from './events';
import { workspaceAssetDecider, type AddWorkspaceAsset, type WorkspaceAssetCommand } from './workspace-asset';

const spec = deciderSpec(workspaceAssetDecider);

const workspaceId = '11111111-1111-4111-8111-111111111111';
const jobId = '2c9a1f4e-7b3d-4e8a-9f60-1d2c3b4a5e6f';
const sha256 = 'a'.repeat(64);
const owner: Actor = { userId: 'user-owner', workspaceId, role: 'editor' };
const someoneElse: Actor = { userId: 'user-other', workspaceId, role: 'admin' };
const viewer: Actor = { userId: 'user-owner', workspaceId, role: 'viewer' };
const sweep: Actor = { userId: 'assets-expiry-sweep', workspaceId, role: 'system' };
const assetId = stagedAssetId(workspaceId, owner.userId, jobId, 0);
const t0 = new Date('2030-01-01T09:00:00.000Z');
const due = new Date(t0.getTime() + STAGING_TTL_MS);

const add = (over: Partial<AddWorkspaceAsset> = {}): WorkspaceAssetCommand => ({
  type: 'AddWorkspaceAsset',
  actor: owner,
  now: t0,
  assetId,
  blob: { sha256, sizeBytes: 1234, mimeType: 'image/png', assetType: 'image' },
  generation: { jobId, assetIndex: 0, seed: 42, prompt: ' a red fox ', model: 'flux-1', settings: { steps: 30 } },
  ...over,
});
const discard = (actor: Actor = owner, now = t0): WorkspaceAssetCommand => ({ type: 'DiscardWorkspaceAsset', actor, now });
const expire = (now: Date, actor: Actor = sweep): WorkspaceAssetCommand => ({ type: 'ExpireWorkspaceAsset', actor, now });

const added: WorkspaceAssetEvent = {
  type: 'WorkspaceAssetAdded',
  data: {
    assetId,
    userId: owner.userId,
    blob: { sha256, sizeBytes: 1234, mimeType: 'image/png', assetType: 'image' },
    generation: { jobId, assetIndex: 0, seed: 42, prompt: 'a red fox', model: 'flux-1', settings: { steps: 30 }, durationSeconds: null },
    createdAt: t0.toISOString(),
    expiresAt: due.toISOString(),
  },
};
const discarded: WorkspaceAssetEvent = {
  type: 'WorkspaceAssetDiscarded',
  data: { assetId, userId: owner.userId, sha256, discardedBy: owner.userId, discardedAt: t0.toISOString() },
};
const expired: WorkspaceAssetEvent = { type: 'WorkspaceAssetExpired', data: { assetId, userId: owner.userId, sha256, expiredAt: due.toISOString() } };

describe('AddWorkspaceAsset', () => {
  it('given nothing, when added, then WorkspaceAssetAdded, expiring 7 days later', () => {
    const state = spec.given([]).when(add()).then([added]);
    expect(state).toMatchObject({ status: 'staged', expiresAt: '2030-01-08T09:00:00.000Z', endedAt: null });
  });

  it('given the same job asset staged, when added again, then nothing happens (a retried job)', () => {
    spec.given([added]).when(add()).thenNothingHappened();
    spec.given([added]).when(add({ blob: { sha256: 'b'.repeat(64), sizeBytes: 9, mimeType: 'image/png', assetType: 'image' } })).thenNothingHappened();
  });

  it('given it discarded or expired, when added again, then InvalidTransitionError', () => {
    spec.given([added, discarded]).when(add()).thenThrows(InvalidTransitionError, { status: 'discarded' });
    spec.given([added, expired]).when(add()).thenThrows(InvalidTransitionError, { status: 'expired' });
  });

  it('takes a video with its duration, and normalises the sha256 and the job id to lower case', () => {
    const video = 'C'.repeat(64);
    const [event] = spec
      .given([])
      .when(
        add({
          assetId: stagedAssetId(workspaceId, owner.userId, jobId, 2),
          blob: { sha256: video, sizeBytes: 10_000, mimeType: 'video/mp4', assetType: 'video' },
          generation: { jobId: jobId.toUpperCase(), assetIndex: 2, seed: -7, prompt: 'waves', model: 'veo', durationSeconds: 4.5 },
        }),
      )
      .run().events;
    expect(event.data).toMatchObject({
      blob: { sha256: 'c'.repeat(64), assetType: 'video' },
      generation: { jobId, assetIndex: 2, seed: -7, settings: {}, durationSeconds: 4.5 },
    });
  });

  it('refuses an id that is not the one derived from (workspace, user, job, index)', () => {
    spec.given([]).when(add({ assetId: stagedAssetId(workspaceId, someoneElse.userId, jobId, 0) })).thenThrows(DomainValidationError, {
      violations: [{ field: 'assetId', message: expect.stringContaining(assetId) }],
    });
  });

  it('reports every broken rule at once', () => {
    const error = spec
      .given([])
      .when(
        add({
          blob: { sha256: 'xyz', sizeBytes: 0, mimeType: 'image/gif', assetType: 'sound' },
          generation: { jobId: 'job-1', assetIndex: -1, seed: 1.5, prompt: ' ', model: '', settings: [] as unknown as Record<string, unknown> },
        }),
      )
      .thenThrows(DomainValidationError);
    expect(error.violations.map((v) => v.field)).toEqual([
      'blob.mimeType',
      'blob.sha256',
      'blob.sizeBytes',
      'blob.assetType',
      'generation.assetIndex',
      'generation.seed',
      'generation.jobId',
      'generation.prompt',
      'generation.model',
      'generation.settings',
    ]);
  });

  it('refuses a type that disagrees with the MIME type, a duration on an image, a size over 1 GiB and oversized settings', () => {
    spec.given([]).when(add({ blob: { sha256, sizeBytes: 10, mimeType: 'video/mp4', assetType: 'image' } })).thenThrows(DomainValidationError, {
      violations: [{ field: 'blob.assetType', message: 'must be video for video/mp4' }],
    });
    spec.given([]).when(add({ generation: { jobId, assetIndex: 0, seed: 1, prompt: 'p', model: 'm', durationSeconds: 3 } })).thenThrows(DomainValidationError, {
      violations: [{ field: 'generation.durationSeconds', message: 'must be null for an image' }],
    });
    spec.given([]).when(add({ blob: { sha256, sizeBytes: 1024 ** 3 + 1, mimeType: 'image/png', assetType: 'image' } })).thenThrows(DomainValidationError, {
      violations: [{ field: 'blob.sizeBytes' }],
    });
    spec.given([]).when(add({ generation: { jobId, assetIndex: 0, seed: 1, prompt: 'p', model: 'm', settings: { blob: 'x'.repeat(17_000) } } })).thenThrows(DomainValidationError, {
      violations: [{ field: 'generation.settings' }],
    });
  });

  it('refuses a viewer', () => {
    spec.given([]).when(add({ actor: viewer })).thenThrows(ForbiddenError);
  });
});

describe('DiscardWorkspaceAsset', () => {
  it('given a staged asset, when its owner discards it, then WorkspaceAssetDiscarded with its blob', () => {
    spec.given([added]).when(discard()).then([discarded]);
  });

  it("answers another user's asset as absent, even an admin's request", () => {
    spec.given([added]).when(discard(someoneElse)).thenThrows(NotFoundError, { entity: 'workspace asset' });
  });

  it('given nothing, or an asset already discarded or expired, then NotFoundError', () => {
    spec.given([]).when(discard()).thenThrows(NotFoundError);
    spec.given([added, discarded]).when(discard()).thenThrows(NotFoundError);
    spec.given([added, expired]).when(discard()).thenThrows(NotFoundError);
  });

  it('refuses a viewer', () => {
    spec.given([added]).when(discard(viewer)).thenThrows(ForbiddenError);
  });
});

describe('ExpireWorkspaceAsset', () => {
  it('given a staged asset that is due, when the sweep expires it, then WorkspaceAssetExpired', () => {
    const state = spec.given([added]).when(expire(due)).then([expired]);
    expect(state).toMatchObject({ status: 'expired', endedAt: due.toISOString() });
  });

  it('refuses before expiresAt: the decider checks the time again', () => {
    spec.given([added]).when(expire(new Date(due.getTime() - 1))).thenThrows(InvalidTransitionError, { status: 'staged' });
  });

  it('given the asset already expired or discarded, then nothing happens', () => {
    spec.given([added, expired]).when(expire(due)).thenNothingHappened();
    spec.given([added, discarded]).when(expire(due)).thenNothingHappened();
  });

  it('is for the service itself only', () => {
    spec.given([added]).when(expire(due, owner)).thenThrows(ForbiddenError);
    spec.given([]).when(expire(due)).thenThrows(NotFoundError);
  });
});
