import type { Platform } from '@lib/contracts';

/** One post's publication on one platform. */
export interface PublicationRequest {
  /**
   * `<postId>:<platform>`, the same on every attempt and every round: a receiver that sees a
   * key again must answer with the first publication instead of publishing twice.
   */
  idempotencyKey: string;
  workspaceId: string;
  postId: string;
  platform: Platform;
  /** The rendered text: the platform's body, then its hashtags. */
  text: string;
  mediaAssetIds: string[];
}

export interface PublicationReceipt {
  /** The platform's id of the published post. */
  externalId: string;
  url: string | null;
}

/** Where posts are published: the sandbox, or a webhook standing in front of the platforms. */
export interface Publisher {
  publish(request: PublicationRequest): Promise<PublicationReceipt>;
}

/**
 * A publication that did not happen. `permanent`: the receiver refused the request itself, and
 * sending it again cannot help; otherwise (timeouts, network errors, 5xx, 408, 429) a later
 * attempt may succeed.
 */
export class PublicationError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    /** The receiver's HTTP status, when it answered. */
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = 'PublicationError';
  }

  /** 4xx means the request is wrong, except 408 (timeout) and 429 (slow down), which are passing. */
  static fromStatus(status: number, detail: string): PublicationError {
    const permanent = status >= 400 && status < 500 && status !== 408 && status !== 429;
    return new PublicationError(`receiver answered ${status}${detail ? `: ${detail}` : ''}`, permanent, status);
  }
}
