// Stands in for iconv-lite in the bundles (scripts/esbuild-plugins.mjs): the calls body-parser and raw-body
// make (encodingExists, decode, getDecoder), for UTF-8 only, with iconv-lite's default of dropping a BOM.
'use strict';
const { StringDecoder } = require('node:string_decoder');

const isUtf8 = (encoding) => /^utf-?8$/i.test(String(encoding));
const refuse = (encoding) => new Error(`Encoding not recognized: '${String(encoding)}' (only UTF-8 is decoded)`);
const stripBom = (text) => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);

exports.encodingExists = isUtf8;

exports.decode = (buffer, encoding) => {
  if (!isUtf8(encoding)) throw refuse(encoding);
  return stripBom(Buffer.from(buffer).toString('utf8'));
};

exports.getDecoder = (encoding) => {
  if (!isUtf8(encoding)) throw refuse(encoding);
  const decoder = new StringDecoder('utf8');
  let first = true;
  return {
    write(chunk) {
      const text = decoder.write(chunk);
      if (!first || text === '') return text;
      first = false;
      return stripBom(text);
    },
    end() {
      return decoder.end() || undefined;
    },
  };
};
