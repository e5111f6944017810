// Prints one JSON object mapping each given file to its parsed content: .tf and .tfvars through HashiCorp's HCL parser
// (the WASM build in @cdktf/hcl2json, offline), .yml/.yaml through the yaml package. Exit 1 with the parser's
// message when a file does not parse.
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { parse as parseHcl } from "@cdktf/hcl2json";
import { parse as parseYaml } from "yaml";

const out = {};
for (const file of process.argv.slice(2)) {
  const text = readFileSync(file, "utf8");
  try {
    out[file] = (file.endsWith(".tf") || file.endsWith(".tfvars"))
      ? await parseHcl(basename(file), text)
      : parseYaml(text, { strict: true, uniqueKeys: true });
  } catch (error) {
    console.error(`${file}: ${error?.message ?? error}`);
    process.exit(1);
  }
}
process.stdout.write(JSON.stringify(out));
