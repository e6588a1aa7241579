import type { ContenderName } from '../config';
import type { Contender, ContenderContext } from './contender';
import { CeilingContender } from './ceiling';
import { EmmettContender } from './emmett';
import { OursContender } from './ours';

export type { Contender, ContenderContext, RowCheck } from './contender';
export { CEILING_DEFINITION } from './ceiling';

export function createContender(name: ContenderName, ctx: ContenderContext): Contender {
  switch (name) {
    case 'ours':
      return new OursContender(ctx) as Contender;
    case 'emmett':
      return new EmmettContender(ctx) as Contender;
    case 'ceiling':
      return new CeilingContender(ctx) as Contender;
  }
}
