/* The linux-x64 loader, run with LOSSENGINE_ISA naming no build (CMakeLists.txt) or a level the CPU lacks (an emulated
   CPU in eng/test-native.sh): nothing is loaded, and every function says so instead of crashing. */
#include "lossengine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;

#define CHECK(condition, message)                                         \
    do {                                                                  \
        if (!(condition)) {                                               \
            failures++;                                                   \
            fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, message); \
        }                                                                 \
    } while (0)

int main(void) {
    const char* error = lossengine_last_error(), *level = getenv("LOSSENGINE_ISA");
    char named[256];
    snprintf(named, sizeof named, "LOSSENGINE_ISA=%s ", level ? level : "");
    printf("%s\n", error ? error : "(no message)");
    CHECK(level && error && strstr(error, named) && strstr(error, "x86-64-v"), "the message names the value and what it needs");
    CHECK(lossengine_version() == NULL, "no version without a build");
    CHECK(lossengine_vector_bits() == -1, "no width without a build");
    float value = 1, row[4] = {0, 1, 2, 3};
    CHECK(lossengine_logsumexp(row, 4, LOSSENGINE_F32, &value) == LOSSENGINE_INTERNAL && value == 1, "status functions report it");
    lossengine_aggregator* aggregator = NULL;
    CHECK(lossengine_aggregator_create(NULL, 0, 5, 10, &aggregator) == LOSSENGINE_INTERNAL && aggregator == NULL, "no handles");
    int64_t sizes[5] = {7, 7, 7, 7, 7};
    lossengine_struct_sizes(sizes);
    CHECK(sizes[0] == 7 && sizes[4] == 7, "functions without a result do nothing");
    lossengine_scoring_options options;
    memset(&options, 0, sizeof options);
    lossengine_scoring_options_init(&options);
    lossengine_free_string(NULL);
    printf("%s\n", failures == 0 ? "loader refusal checks passed" : "loader refusal checks FAILED");
    return failures == 0 ? 0 : 1;
}
