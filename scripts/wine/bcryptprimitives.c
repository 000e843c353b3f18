/*
 * bcryptprimitives.dll for Wine 8, built with mingw-w64 by the matrix's wine step and put next
 * to bun.exe. Windows 10 and later have this DLL, and programs built with current Rust or Zig
 * (Bun and Deno among them) import ProcessPrng from it to seed their random numbers; Wine 8
 * has no such DLL, so they cannot start there. This one gives ProcessPrng what Windows's does:
 * random bytes from the system's generator.
 */
#include <windows.h>
#include <bcrypt.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
  while (len > 0) {
    ULONG n = len > 0x40000000u ? 0x40000000u : (ULONG)len;
    if (!BCRYPT_SUCCESS(BCryptGenRandom(NULL, data, n, BCRYPT_USE_SYSTEM_PREFERRED_RNG))) {
      return FALSE;
    }
    data += n;
    len -= n;
  }
  return TRUE;
}
