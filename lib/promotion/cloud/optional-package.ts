/**
 * Loads an optional SDK package the first time a reader needs it, so nothing else pays for it, and says what to
 * install when it is missing.
 */
export function loadOptionalPackage<T>(name: string, purpose: string): T {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(name) as T;
  } catch (e) {
    const error = e as NodeJS.ErrnoException;
    if (error.code === 'MODULE_NOT_FOUND' && error.message.includes(`'${name}'`)) {
      throw new Error(
        `${name} is not installed: \`mlops promote\` needs it to ${purpose}. ` +
          `Install it beside mlops-constructs: \`npm install --save-dev ${name}\` ` +
          '(or give the evidence as a file instead: `--alarms-evidence <file>` for alarms).',
      );
    }
    throw e;
  }
}
