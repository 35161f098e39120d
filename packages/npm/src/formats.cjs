// The formats the precompiled validators check: ajv's standalone code requires this file (as
// validators/formats.cjs beside them), and build.mjs gives ajv the same definitions. They are
// ajv-formats' full formats, but `date-time` as the Rust validator reads it: RFC 3339 with `T`
// (or `t`) between the date and the time, not the space that RFC 3339 also lets applications
// choose.
"use strict";
const { fullFormats } = require("ajv-formats/dist/formats");

const dateTime = fullFormats["date-time"];

module.exports = {
  ...fullFormats,
  "date-time": {
    // The date is `YYYY-MM-DD`: the separator is the 11th character.
    validate: (text) => (text[10] === "T" || text[10] === "t") && dateTime.validate(text),
    compare: dateTime.compare,
  },
};
