// Runs the calculators' formulas from overrides/assets/javascripts/calc.js in node for
// tests/test_calc_formulas.py: reads {"data": ..., "cases": [{"calc", "values"}], "numbers": [...]}
// on stdin and prints the results as JSON ({"error": code} where the formula refuses the input).
"use strict";
const path = require("path");
const F = require(path.join(__dirname, "..", "overrides", "assets", "javascripts", "calc.js"));

let input = "";
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const job = JSON.parse(input);
  const attempt = (fn) => {
    try {
      return fn();
    } catch (e) {
      if (e instanceof F.CalcError) return { error: e.code };
      throw e;
    }
  };
  const results = job.cases.map((c) => attempt(() => F.compute(c.calc, c.values, job.data)));
  const numbers = (job.numbers || []).map((text) => attempt(() => ({ value: F.parseNumber(text, true) })));
  process.stdout.write(JSON.stringify({ results, numbers }));
});
