#!/usr/bin/env python3
"""Reference instances for BertGen's pretraining data, from a line-by-line Python rendering of
google-research/bert create_pretraining_data.py (create_training_instances, create_instances_from_document,
truncate_seq_pair, create_masked_lm_predictions; whole-word masking off) with one change: `rng` is a
xoshiro256** generator with the same random()/randint()/shuffle() reductions as BertGen's Xoshiro256StarStar,
in place of Python's Mersenne Twister, so that both produce the same instances draw for draw.
Tokens are ids (the documents are already WordPiece ids), [CLS]=101, [SEP]=102, [MASK]=103, 30,522 ids.

Usage: create_pretraining_data_reference.py INPUT_IDS OUTPUT MAX_SEQ_LENGTH MAX_PREDICTIONS DUPE_FACTOR SEED
Output: one instance per line: is_random_next <TAB> tokens <TAB> segment_ids <TAB> positions <TAB> labels
"""
import sys

MASK64 = (1 << 64) - 1
CLS, SEP, MASK, VOCAB_SIZE = 101, 102, 103, 30522
MASKED_LM_PROB, SHORT_SEQ_PROB = 0.15, 0.1


class Xoshiro256StarStar:
    def __init__(self, seed):
        x = seed
        self.s = []
        for _ in range(4):
            x = (x + 0x9E3779B97F4A7C15) & MASK64
            z = x
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
            self.s.append(z ^ (z >> 31))

    @staticmethod
    def _rotl(x, k):
        return ((x << k) | (x >> (64 - k))) & MASK64

    def next64(self):
        s = self.s
        result = (self._rotl((s[1] * 5) & MASK64, 7) * 9) & MASK64
        t = (s[1] << 17) & MASK64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = self._rotl(s[3], 45)
        return result

    def random(self):
        return (self.next64() >> 11) * (1.0 / (1 << 53))

    def _below(self, bound):
        # Lemire's multiply-and-reject, as in Xoshiro256StarStar.NextInt.
        m = self.next64() * bound
        low = m & MASK64
        if low < bound:
            threshold = ((1 << 64) - bound) % bound
            while low < threshold:
                m = self.next64() * bound
                low = m & MASK64
        return m >> 64

    def randint(self, a, b):
        return a + self._below(b - a + 1)

    def shuffle(self, items):
        for i in range(len(items) - 1, 0, -1):
            j = self._below(i + 1)
            items[i], items[j] = items[j], items[i]


def create_training_instances(all_documents, max_seq_length, dupe_factor, max_predictions_per_seq, rng):
    all_documents = [d for d in all_documents if d]
    rng.shuffle(all_documents)
    instances = []
    for _ in range(dupe_factor):
        for document_index in range(len(all_documents)):
            instances.extend(create_instances_from_document(
                all_documents, document_index, max_seq_length, max_predictions_per_seq, rng))
    rng.shuffle(instances)
    return instances


def create_instances_from_document(all_documents, document_index, max_seq_length, max_predictions_per_seq, rng):
    document = all_documents[document_index]
    max_num_tokens = max_seq_length - 3
    target_seq_length = max_num_tokens
    if rng.random() < SHORT_SEQ_PROB:
        target_seq_length = rng.randint(2, max_num_tokens)

    instances = []
    current_chunk = []
    current_length = 0
    i = 0
    while i < len(document):
        segment = document[i]
        current_chunk.append(segment)
        current_length += len(segment)
        if i == len(document) - 1 or current_length >= target_seq_length:
            if current_chunk:
                a_end = 1
                if len(current_chunk) >= 2:
                    a_end = rng.randint(1, len(current_chunk) - 1)
                tokens_a = []
                for j in range(a_end):
                    tokens_a.extend(current_chunk[j])
                tokens_b = []
                if len(current_chunk) == 1 or rng.random() < 0.5:
                    is_random_next = True
                    target_b_length = target_seq_length - len(tokens_a)
                    for _ in range(10):
                        random_document_index = rng.randint(0, len(all_documents) - 1)
                        if random_document_index != document_index:
                            break
                    random_document = all_documents[random_document_index]
                    random_start = rng.randint(0, len(random_document) - 1)
                    for j in range(random_start, len(random_document)):
                        tokens_b.extend(random_document[j])
                        if len(tokens_b) >= target_b_length:
                            break
                    num_unused_segments = len(current_chunk) - a_end
                    i -= num_unused_segments
                else:
                    is_random_next = False
                    for j in range(a_end, len(current_chunk)):
                        tokens_b.extend(current_chunk[j])
                truncate_seq_pair(tokens_a, tokens_b, max_num_tokens, rng)
                assert len(tokens_a) >= 1 and len(tokens_b) >= 1
                tokens = [CLS] + tokens_a + [SEP] + tokens_b + [SEP]
                segment_ids = [0] * (len(tokens_a) + 2) + [1] * (len(tokens_b) + 1)
                tokens, positions, labels = create_masked_lm_predictions(tokens, max_predictions_per_seq, rng)
                instances.append((is_random_next, tokens, segment_ids, positions, labels))
            current_chunk = []
            current_length = 0
        i += 1
    return instances


def create_masked_lm_predictions(tokens, max_predictions_per_seq, rng):
    cand_indexes = []
    for i, token in enumerate(tokens):
        if token == CLS or token == SEP:
            continue
        cand_indexes.append([i])
    rng.shuffle(cand_indexes)
    output_tokens = list(tokens)
    num_to_predict = min(max_predictions_per_seq, max(1, int(round(len(tokens) * MASKED_LM_PROB))))
    masked_lms = []
    covered_indexes = set()
    for index_set in cand_indexes:
        if len(masked_lms) >= num_to_predict:
            break
        if len(masked_lms) + len(index_set) > num_to_predict:
            continue
        if any(index in covered_indexes for index in index_set):
            continue
        for index in index_set:
            covered_indexes.add(index)
            if rng.random() < 0.8:
                masked_token = MASK
            else:
                if rng.random() < 0.5:
                    masked_token = tokens[index]
                else:
                    masked_token = rng.randint(0, VOCAB_SIZE - 1)
            output_tokens[index] = masked_token
            masked_lms.append((index, tokens[index]))
    masked_lms.sort()
    return output_tokens, [p for p, _ in masked_lms], [l for _, l in masked_lms]


def truncate_seq_pair(tokens_a, tokens_b, max_num_tokens, rng):
    while True:
        total_length = len(tokens_a) + len(tokens_b)
        if total_length <= max_num_tokens:
            break
        trunc_tokens = tokens_a if len(tokens_a) > len(tokens_b) else tokens_b
        assert len(trunc_tokens) >= 1
        if rng.random() < 0.5:
            del trunc_tokens[0]
        else:
            trunc_tokens.pop()


def main():
    input_path, output_path = sys.argv[1], sys.argv[2]
    max_seq_length, max_predictions, dupe_factor, seed = (int(a) for a in sys.argv[3:7])
    documents = [[]]
    with open(input_path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                documents.append([])
                continue
            documents[-1].append([int(t) for t in line.split()])
    instances = create_training_instances(documents, max_seq_length, dupe_factor, max_predictions,
                                          Xoshiro256StarStar(seed))
    with open(output_path, "w", encoding="utf-8", newline="\n") as f:
        for is_random_next, tokens, segments, positions, labels in instances:
            f.write("\t".join([
                "1" if is_random_next else "0",
                " ".join(map(str, tokens)),
                " ".join(map(str, segments)),
                " ".join(map(str, positions)),
                " ".join(map(str, labels)),
            ]) + "\n")
    print(f"{len(instances)} instances", file=sys.stderr)


if __name__ == "__main__":
    main()
