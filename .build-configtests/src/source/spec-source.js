export {};
//# sourceMappingURL=spec-source.js.map