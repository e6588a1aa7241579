import type { AssetsEventDataMap, AssetsEventType, SourceEventReceivedData } from '@lib/contracts';
import type { DomainEvent } from '@lib/event-store';

/** An assets event as the domain sees it: the contract's payload, at its current schema version. */
export type AssetsDomainEvent<K extends AssetsEventType> = DomainEvent<K, AssetsEventDataMap[K]>;

export type WorkspaceAssetAdded = AssetsDomainEvent<'WorkspaceAssetAdded'>;
export type WorkspaceAssetExpired = AssetsDomainEvent<'WorkspaceAssetExpired'>;
export type WorkspaceAssetDiscarded = AssetsDomainEvent<'WorkspaceAssetDiscarded'>;
export type WorkspaceAssetEvent = WorkspaceAssetAdded | WorkspaceAssetExpired | WorkspaceAssetDiscarded;

export type LibraryItemSaved = AssetsDomainEvent<'LibraryItemSaved'>;
export type LibraryItemUpdated = AssetsDomainEvent<'LibraryItemUpdated'>;
export type LibraryItemMoved = AssetsDomainEvent<'LibraryItemMoved'>;
export type LibraryItemRemoved = AssetsDomainEvent<'LibraryItemRemoved'>;
export type LibraryItemEvent = LibraryItemSaved | LibraryItemUpdated | LibraryItemMoved | LibraryItemRemoved;

export type CollectionCreated = AssetsDomainEvent<'CollectionCreated'>;
export type CollectionRenamed = AssetsDomainEvent<'CollectionRenamed'>;
export type CollectionDeleted = AssetsDomainEvent<'CollectionDeleted'>;
export type CollectionEvent = CollectionCreated | CollectionRenamed | CollectionDeleted;

export type AssetsEvent = WorkspaceAssetEvent | LibraryItemEvent | CollectionEvent;

/**
 * Another service's event as the assets service received it (stream `source-<service>-<stream>`,
 * never published): content's PostMediaAttached/PostMediaDetached, for media usage.
 */
export type SourceEventReceived = DomainEvent<'SourceEventReceived', SourceEventReceivedData>;
