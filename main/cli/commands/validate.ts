import { configFromArgs, printJson } from '../common.ts';
import { EXIT } from '../errors.ts';
import type { CliArgs } from '../index.ts';

export async function validateCommand(args: CliArgs): Promise<number> {
  const config = await configFromArgs(args);
  if (args.values.json) {
    printJson({
      valid: true,
      source: config.source,
      folders: config.folders.length,
      rules: config.rules.length,
    });
  } else {
    process.stdout.write(
      `${config.source} is valid: site "${config.site}", ${config.folders.length} folder(s), ${config.rules.length} rule(s).\n`,
    );
  }
  return EXIT.ok;
}
