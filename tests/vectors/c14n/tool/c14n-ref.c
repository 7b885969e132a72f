/* Reference canonicalizer used to generate tests/vectors/c14n/*.expected.
 * It calls libxml2's xmlC14NExecute (the engine xmlsec uses) with a
 * visibility callback selecting the subtree of the element whose
 * ID/AssertionID/Id/wsu:Id equals the given id (or the whole document).
 *
 * build: gcc -O2 -o c14n-ref c14n-ref.c $(xml2-config --cflags --libs)
 * usage: c14n-ref MODE(exc|inc) COMMENTS(0|1) ID|- PREFIXES|- FILE
 */
#include <libxml/parser.h>
#include <libxml/c14n.h>
#include <libxml/xpath.h>
#include <stdio.h>
#include <string.h>

static xmlNodePtr apex;

static xmlNodePtr find_id(xmlNodePtr n, const char *id) {
    for (; n; n = n->next) {
        if (n->type == XML_ELEMENT_NODE) {
            for (xmlAttrPtr a = n->properties; a; a = a->next) {
                const char *name = (const char *)a->name;
                int is_id = (!a->ns && (!strcmp(name, "ID") || !strcmp(name, "AssertionID") || !strcmp(name, "Id")))
                    || (a->ns && !strcmp(name, "Id") && strstr((const char *)a->ns->href, "wssecurity-utility"));
                if (is_id) {
                    xmlChar *v = xmlNodeGetContent((xmlNodePtr)a);
                    int eq = !strcmp((const char *)v, id);
                    xmlFree(v);
                    if (eq) return n;
                }
            }
            xmlNodePtr r = find_id(n->children, id);
            if (r) return r;
        }
    }
    return NULL;
}

static int visible(void *user, xmlNodePtr node, xmlNodePtr parent) {
    (void)user;
    if (!apex) return 1;
    xmlNodePtr n = (node && node->type != XML_NAMESPACE_DECL) ? node : parent;
    if (node && node->type == XML_ATTRIBUTE_NODE) n = parent;
    for (; n; n = n->parent) if (n == apex) return 1;
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 6) { fprintf(stderr, "usage\n"); return 2; }
    int mode = !strcmp(argv[1], "exc") ? XML_C14N_EXCLUSIVE_1_0 : XML_C14N_1_0;
    int comments = atoi(argv[2]);
    xmlDocPtr doc = xmlReadFile(argv[5], NULL, XML_PARSE_NONET);
    if (!doc) return 3;
    if (strcmp(argv[3], "-")) {
        apex = find_id(doc->children, argv[3]);
        if (!apex) return 4;
    }
    xmlChar *prefixes[32] = {0};
    xmlChar **pp = NULL;
    if (strcmp(argv[4], "-")) {
        int k = 0;
        char *s = strdup(argv[4]);
        for (char *t = strtok(s, " "); t && k < 31; t = strtok(NULL, " ")) prefixes[k++] = (xmlChar *)t;
        pp = prefixes;
    }
    xmlOutputBufferPtr buf = xmlOutputBufferCreateFile(stdout, NULL);
    int r = xmlC14NExecute(doc, visible, NULL, mode, pp, comments, buf);
    xmlOutputBufferClose(buf);
    return r < 0 ? 5 : 0;
}
