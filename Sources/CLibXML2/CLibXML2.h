// libxml2 as Debian's libxml2-dev installs it (pkg-config `libxml-2.0`).
//
// Debian builds libxml2 with ICU, and Swift's Foundation carries its own ICU: a target that imports
// Foundation and can see libxml2's ICU declarations fails with "'UErrorCode' has different
// definitions in different modules". Kith never uses libxml2's ICU encoders, so the flag is
// cleared before any other libxml2 header is read.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>

/// `xmlFree` is a global function-pointer variable, which Swift 6 rejects as shared mutable state.
static inline void CLibXML2_free(void *pointer) { xmlFree(pointer); }

/// The parser options Kith always uses: no network access, line numbers past 65535, no entity
/// expansion (XML_PARSE_NOENT is deliberately absent), no DTD loading.
static inline int CLibXML2_parseOptions(void) {
    return XML_PARSE_NONET | XML_PARSE_BIG_LINES | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
}
