/*
 * npshm native shim, kept loaded for the life of the process once it is loaded.
 *
 * Deno unloads a worker's libraries when the worker ends (dlclose, FreeLibrary). The shim must
 * outlive that: a wait or lock left sleeping in it off the JS thread returns into its code, and
 * the fork handler it registers on Linux (npshm_lock.c) runs in the child of every later fork
 * (tests/adversarial/unload.ts). A linker flag covers only ELF (-z nodelete), so the shim pins
 * itself as it loads: on POSIX a second reference to itself with RTLD_NODELETE, never given
 * back (glibc marks the loaded image never to be unloaded; dyld returns at RTLD_NOLOAD before it
 * looks at RTLD_NODELETE, dyld/DyldAPIs.cpp, so there the reference alone keeps it); on Windows
 * a pinned module handle. Nothing here can fail loudly: a loader runs it, and the shim works
 * unpinned as long as nobody unloads it.
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
