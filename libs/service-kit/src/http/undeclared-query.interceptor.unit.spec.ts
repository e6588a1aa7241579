import { BadRequestException, Controller, Get, Query, type CallHandler, type ExecutionContext } from '@nestjs/common';
import { of } from 'rxjs';
import { UndeclaredQueryInterceptor } from './undeclared-query.interceptor';

@Controller()
class Routes {
  @Get()
  withQuery(@Query() _query: Record<string, unknown>): void {}

  @Get()
  withoutQuery(): void {}
}

function contextOf(handler: 'withQuery' | 'withoutQuery', query: Record<string, unknown>): ExecutionContext {
  return {
    getType: () => 'http',
    getClass: () => Routes,
    getHandler: () => Routes.prototype[handler],
    switchToHttp: () => ({ getRequest: () => ({ query }) }),
  } as unknown as ExecutionContext;
}

function refusal(handler: 'withQuery' | 'withoutQuery', query: Record<string, unknown>): unknown {
  const next: CallHandler = { handle: () => of('handled') };
  try {
    new UndeclaredQueryInterceptor().intercept(contextOf(handler, query), next);
    return null;
  } catch (error) {
    return error instanceof BadRequestException ? error.getResponse() : error;
  }
}

describe('UndeclaredQueryInterceptor', () => {
  it('lets declared, storable parameters through', () => {
    expect(refusal('withQuery', { q: 'red fox 🦊', tag: ['a', 'b'] })).toBeNull();
  });

  it('refuses any parameter on a route that declares none', () => {
    expect(refusal('withoutQuery', { sneaky: '1' })).toEqual({
      message: ['query parameter sneaky should not exist'],
      details: { fields: { sneaky: ['query parameter sneaky should not exist'] } },
    });
  });

  it.each([
    ['a NUL', { q: 'fox\u0000' }, 'q'],
    ['a lone high surrogate', { tag: 'fox\uD800' }, 'tag'],
    ['a lone low surrogate', { tag: '\uDC00fox' }, 'tag'],
    ['a NUL in a repeated parameter', { tag: ['ok', '\u0000'] }, 'tag'],
    ['a NUL in a nested parameter', { filter: { name: 'a\u0000' } }, 'filter'],
  ])('refuses %s, naming the parameter', (_what, query, name) => {
    const message = `query parameter ${name} must not contain U+0000 or unpaired surrogates`;
    expect(refusal('withQuery', query)).toEqual({ message: [message], details: { fields: { [name]: [message] } } });
  });
});
