/* Glue for building Debian's Lua 5.4 on rvOS: included before every Lua
 * source file. Lua's POSIX configuration (LUA_USE_POSIX, as Debian's
 * LUA_USE_LINUX minus dlopen) is used, with three of its choices replaced
 * by the ISO C ones Lua itself offers, for what picolibc and lib/rvos do
 * not have (yet):
 *   - errors unwind with setjmp/longjmp, not _setjmp/_longjmp (picolibc has
 *     no signal masks to skip, so the two are the same thing);
 *   - files are read with getc, not getc_unlocked and flockfile (picolibc
 *     has no threads, so there is nothing to lock);
 *   - io.popen raises "'popen' not supported": there are no pipes yet. */
#ifndef RVOS_LUA_CONFIG_H
#define RVOS_LUA_CONFIG_H

#define LUAI_THROW(L, c) longjmp((c)->b, 1)
#define LUAI_TRY(L, c, a) \
    if (setjmp((c)->b) == 0) { a }
#define luai_jmpbuf jmp_buf

#define l_getc(f) getc(f)
#define l_lockfile(f) ((void)0)
#define l_unlockfile(f) ((void)0)

#define l_popen(L, c, m) ((void)c, (void)m, luaL_error(L, "'popen' not supported"), (FILE *)0)
#define l_pclose(L, file) ((void)L, (void)file, -1)

#endif
