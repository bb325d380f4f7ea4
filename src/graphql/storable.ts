import type { ValidationRule } from "graphql";
import type { Plugin } from "graphql-yoga";
import { describeProblem, findUnstorable, textProblem } from "../domain/text.js";
import { badUserInput } from "./bad-input.js";

// Text in a GraphQL request that cannot be stored (a NUL, a lone surrogate: valid JSON and valid
// GraphQL escapes, `\u0000`, make both) is refused before execution, as BAD_USER_INPUT with a
// 400: in variables (and the other request parameters) and in the document's string literals.
// Without this it reached Postgres and answered 500.

const dollar = (path: readonly (string | number)[]) =>
  path
    .map((part, index) =>
      typeof part === "number" ? `[${part}]` : index === 0 ? part : `.${part}`,
    )
    .join("");

/** A string literal of the document: reported at its place, like any validation error. */
const storableLiterals: ValidationRule = (context) => ({
  StringValue(node) {
    const problem = textProblem(node.value);
    if (problem) {
      context.reportError(
        badUserInput(`A string in the query ${describeProblem(problem)}`, { nodes: node }),
      );
    }
  },
});

export function useStorableText(): Plugin {
  return {
    onParams({ params, setResult }) {
      const { query: _document, ...rest } = params;
      const found = findUnstorable(rest, 5);
      if (found.length === 0) return;
      const what = found.map(
        ({ path, problem }) =>
          `${path[0] === "variables" ? `$${dollar(path.slice(1))}` : dollar(path)} ${describeProblem(problem)}`,
      );
      setResult({
        errors: what.map((message) =>
          badUserInput(message, { extensions: { http: { status: 400 } } }),
        ),
      });
    },
    onValidate({ addValidationRule }) {
      addValidationRule(storableLiterals);
    },
  };
}
