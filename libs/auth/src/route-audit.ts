import { Inject, Injectable, RequestMethod, type OnApplicationBootstrap } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { AUTH_PERMISSIONS } from './auth.guard';
import { minimumRole, resolveRouteAccess, type PermissionMap } from './permissions';

/**
 * Refuses to start a service with an HTTP route that declares neither `@Permission()` nor
 * `@Public()`, or that names a permission missing from the table: the guard would refuse those
 * requests anyway, and finding out at boot beats finding out from a 403 in production.
 */
@Injectable()
export class RouteAccessAudit implements OnApplicationBootstrap {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    @Inject(AUTH_PERMISSIONS) private readonly permissions: PermissionMap,
  ) {}

  onApplicationBootstrap(): void {
    const problems = this.findProblems();
    if (problems.length > 0) {
      throw new Error(`Routes without a usable access declaration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    }
  }

  private findProblems(): string[] {
    const problems: string[] = [];
    for (const wrapper of this.discovery.getControllers()) {
      const controller = wrapper.metatype;
      if (!controller) continue;
      const prototype: object = controller.prototype;
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const handler: unknown = Reflect.get(prototype, name);
        if (typeof handler !== 'function') continue;
        const path: unknown = Reflect.getMetadata(PATH_METADATA, handler);
        if (path === undefined) continue; // not a route handler (a message handler or a helper)
        const access = resolveRouteAccess(handler, controller);
        const method = describeMethod(Reflect.getMetadata(METHOD_METADATA, handler));
        const route = `${method} ${joinPaths(Reflect.getMetadata(PATH_METADATA, controller), path)} (${controller.name}.${name})`;
        if (access.kind === 'undeclared') problems.push(`${route}: declares neither @Permission() nor @Public()`);
        if (access.kind === 'permission' && !minimumRole(this.permissions, access.permission)) {
          problems.push(`${route}: permission "${access.permission}" is not in the permission table`);
        }
      }
    }
    return problems;
  }
}

function describeMethod(method: unknown): string {
  return typeof method === 'number' && RequestMethod[method] ? RequestMethod[method] : 'ALL';
}

function joinPaths(...parts: unknown[]): string {
  const segments = parts.flatMap((part) => (Array.isArray(part) ? part.slice(0, 1) : [part]));
  return `/${segments.filter((s): s is string => typeof s === 'string').map((s) => s.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/')}`;
}
