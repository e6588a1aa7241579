import { CONTENT_RULES } from './content.rules';
import type { SourceRuleTable } from './source-rules';

export * from './source-rules';

/** Every source service analytics consumes, with its rules. A new service is a new entry. */
export const SOURCE_RULE_TABLES: readonly SourceRuleTable[] = [CONTENT_RULES];
