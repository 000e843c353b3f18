/*
 * npshm native shim, kept loaded for the life of the process once it is loaded.
 *
 * Deno unloads a worker's libraries when the worker ends (dlclose, FreeLibrary). The shim must
 * outlive that: a wait or lock left sleeping in it off the JS thread returns into its code, and
 * the fork handler it registers on Linux (npshm_lock.c) runs in the child of every later fork
 * (tests/adversarial/unload.ts). A linker flag covers only ELF (-z nodelete), so the shim pins
 * itself as it loads, the same way on every OS: RTLD_NODELETE on a second reference to itself
 * (POSIX; dyld and glibc both honour it on an image already loaded), a pinned module handle on
 * Windows. Nothing here can fail loudly: a loader runs it, and the shim works unpinned as long
 * as nobody unloads it.
 */
#include "npshm_internal.h"

#ifdef _WIN32

BOOL WINAPI DllMain(HINSTANCE self, DWORD reason, LPVOID reserved);

BOOL WINAPI DllMain(HINSTANCE self, DWORD reason, LPVOID reserved) {
  (void)self;
  (void)reserved;
  if (reason == DLL_PROCESS_ATTACH) {
    HMODULE pinned;
    DWORD flags = GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_PIN;
    GetModuleHandleExW(flags, (LPCWSTR)(void *)&DllMain, &pinned);
  }
  return TRUE;
}

#else

#include <dlfcn.h>

__attribute__((constructor)) static void npshm_pin(void) {
  Dl_info self;
  if (dladdr((void *)&npshm_pin, &self) && self.dli_fname) {
    dlopen(self.dli_fname, RTLD_LAZY | RTLD_NOLOAD | RTLD_NODELETE);
  }
}

#endif
