import { explainUnits } from '../../engine/config/units-explained.ts';
import { configFromArgs, printJson } from '../common.ts';
import { EXIT } from '../errors.ts';
import type { CliArgs } from '../index.ts';

export async function validateCommand(args: CliArgs): Promise<number> {
  const config = await configFromArgs(args);
  const units = explainUnits(config.raw);
  if (args.values.json) {
    printJson({
      valid: true,
      source: config.source,
      folders: config.folders.length,
      rules: config.rules.length,
      warnings: config.warnings,
      units,
    });
    return EXIT.ok;
  }
  const lines = [
    `${config.source} is valid: site "${config.site}", ${config.folders.length} folder(s), ${config.rules.length} rule(s).`,
  ];
  for (const warning of config.warnings) lines.push(`WARNING ${warning.path}: ${warning.message}`);
  if (units.length > 0) {
    lines.push('Sizes and rates as read (K, M, G are 1024-based, with or without B or iB):');
    for (const unit of units) lines.push(`  ${unit.path}: "${unit.written}" = ${unit.means}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.ok;
}
