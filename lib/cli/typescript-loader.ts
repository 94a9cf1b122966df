/**
 * Lets `mlops synth` load a TypeScript program the way `pulumi up` does, without a build step: `.ts` files
 * are transpiled (not type-checked) with the project's own `typescript` package as they are required. The
 * compiler is loaded only when a `.ts` file is, so a JavaScript project needs none.
 */
import * as fs from 'node:fs';
import Module from 'node:module';
import { CliError } from './errors';

interface TranspileApi {
  transpileModule(
    source: string,
    options: { compilerOptions: Record<string, unknown>; fileName: string },
  ): { outputText: string };
  ModuleKind: { CommonJS: number };
  ScriptTarget: { ES2022: number };
}

type Loader = (m: { _compile(code: string, file: string): void }, file: string) => void;

export function registerTypeScript(projectDir: string): void {
  const extensions = (Module as unknown as { _extensions: Record<string, Loader> })._extensions;
  let ts: TranspileApi | undefined;
  extensions['.ts'] = (module, filename) => {
    ts ??= loadCompiler(projectDir);
    const output = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
      fileName: filename,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
        sourceMap: false,
      },
    });
    module._compile(output.outputText, filename);
  };
}

function loadCompiler(projectDir: string): TranspileApi {
  try {
    // The project's own compiler, resolved from the project folder at run time.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(require.resolve('typescript', { paths: [projectDir] })) as TranspileApi;
  } catch {
    throw new CliError(
      'the program is TypeScript but the project has no `typescript` package: run `npm install --save-dev typescript`',
    );
  }
}
