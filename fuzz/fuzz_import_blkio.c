/* libFuzzer target: any bytes as a block I/O log (fio iolog or blkparse text) (fuzz/fuzz_import.h). */
#include "fuzz/fuzz_import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_import(VL_IMPORT_BLKIO, data, size);
}
