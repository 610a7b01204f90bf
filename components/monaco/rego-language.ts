import type * as Monaco from "monaco-editor";

export const REGO_LANGUAGE_ID = "rego";

// Monaco has no Rego grammar; this Monarch tokenizer covers Rego v1 syntax.
export function registerRego(monaco: typeof Monaco): void {
  if (monaco.languages.getLanguages().some((l) => l.id === REGO_LANGUAGE_ID)) return;
  monaco.languages.register({ id: REGO_LANGUAGE_ID, extensions: [".rego"], aliases: ["Rego", "rego"] });
  monaco.languages.setLanguageConfiguration(REGO_LANGUAGE_ID, {
    comments: { lineComment: "#" },
    brackets: [
      ["{", "}"],
      ["[", "]"],
      ["(", ")"],
    ],
    autoClosingPairs: [
      { open: "{", close: "}" },
      { open: "[", close: "]" },
      { open: "(", close: ")" },
      { open: '"', close: '"', notIn: ["string"] },
      { open: "`", close: "`", notIn: ["string"] },
    ],
    surroundingPairs: [
      { open: "{", close: "}" },
      { open: "[", close: "]" },
      { open: "(", close: ")" },
      { open: '"', close: '"' },
    ],
    indentationRules: { increaseIndentPattern: /[{[(]\s*$/, decreaseIndentPattern: /^\s*[}\])]/ },
  });
  monaco.languages.setMonarchTokensProvider(REGO_LANGUAGE_ID, {
    defaultToken: "",
    keywords: ["package", "import", "default", "else", "not", "with", "as", "some", "every", "in", "if", "contains"],
    constants: ["true", "false", "null"],
    operators: [":=", "=", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%", "&", "|"],
    tokenizer: {
      root: [
        [/#.*$/, "comment"],
        [/^\s*(package|import)\b/, "keyword"],
        [/\b(input|data)\b/, "variable.predefined"],
        [/[a-zA-Z_][\w]*(?=\s*\()/, { cases: { "@keywords": "keyword", "@default": "function" } }],
        [/[a-zA-Z_][\w]*/, { cases: { "@keywords": "keyword", "@constants": "constant", "@default": "identifier" } }],
        [/"/, { token: "string.quote", next: "@string" }],
        [/`/, { token: "string.quote", next: "@rawstring" }],
        [/-?\d+(\.\d+)?([eE][+-]?\d+)?/, "number"],
        [/:=|==|!=|<=|>=|[=<>+\-*/%&|]/, "operator"],
        [/[{}()[\]]/, "@brackets"],
        [/[;,.]/, "delimiter"],
      ],
      string: [
        [/[^\\"]+/, "string"],
        [/\\(["\\/bfnrt]|u[0-9a-fA-F]{4})/, "string.escape"],
        [/\\./, "string.escape.invalid"],
        [/"/, { token: "string.quote", next: "@pop" }],
      ],
      rawstring: [
        [/[^`]+/, "string"],
        [/`/, { token: "string.quote", next: "@pop" }],
      ],
    },
  } as Monaco.languages.IMonarchLanguage);
}
