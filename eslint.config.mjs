// ESLint flat config: typescript-eslint's recommended rules, plus the import direction the project relies on.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/**", "bin/**", ".pulumi/**", "coverage/**", "**/*.js", "**/*.mjs"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-console": "off",
    },
  },
  {
    // Lambda and container code is bundled on its own: it must never pull in the Pulumi SDK or program code.
    files: ["functions/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["@pulumi/*"], message: "Lambda code never imports the Pulumi SDK." },
            {
              group: ["**/components/**", "**/providers/**", "**/config/**", "**/lib/**", "**/policy/**"],
              message: "functions/ imports nothing from the Pulumi program.",
            },
          ],
        },
      ],
    },
  },
  {
    // Providers are serialized into state: they may share providers/http.ts, nothing from the program.
    files: ["providers/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/components/**", "**/config/**", "**/functions/**", "**/policy/**"],
              message: "providers/ depends only on providers/http.ts and npm packages.",
            },
          ],
        },
      ],
    },
  },
);
