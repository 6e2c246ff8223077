/* Debian's patched luaconf.h names the multiarch directory its C modules
 * live in (package.cpath); Debian's build generates this header. rvOS has
 * no dynamic loading, so the directory is only a name. */
#ifndef _LUA_DEB_MULTIARCH_
#define _LUA_DEB_MULTIARCH_
#define DEB_HOST_MULTIARCH "riscv64-rvos"
#endif
