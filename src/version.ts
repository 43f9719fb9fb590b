// The tool's name and version, read from package.json so a release bumps one
// place (ncc inlines the JSON into dist/).
import pkg from '../package.json' with { type: 'json' };

export const TOOL_NAME: string = pkg.name;
export const VERSION: string = pkg.version;
