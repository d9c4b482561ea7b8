// ESLint flat config: type-aware typescript-eslint plus eslint-plugin-security, run with --max-warnings 0.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import security from 'eslint-plugin-security';
import { boundaryConfigs } from './eslint-boundaries.mjs';

export default tseslint.config(
  { ignores: ['dist/**', 'build/**', 'node_modules/**', '.build-*/**', '.cache/**', '.state/**', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  security.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', name: ['test', 'describe', 'it', 'suite'], package: 'node:test' }] },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'error',
    },
  },
  ...boundaryConfigs(),
  {
    files: ['test/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      // Tests and scripts build file names from temp dirs they created themselves.
      'security/detect-non-literal-fs-filename': 'off',
      'security/detect-child-process': 'off',
    },
  },
);
