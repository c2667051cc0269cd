#!/usr/bin/env python3
"""Fails when the modules of a crate import each other in a cycle.

Usage: scripts/module-cycles.py crates/authgate-core/src

Reads every `use crate::...`, `use super::...` and `crate::path` outside test modules
and comments, resolves names through `pub use` re-exports to the file that defines
them, and prints every cycle of the resulting file graph (exit 1 when there is one).
"""
import os,re,sys
root=sys.argv[1]
files={}
for d,_,fs in os.walk(root):
    for f in fs:
        if f.endswith('.rs'):
            p=os.path.join(d,f); rel=os.path.relpath(p,root)[:-3]
            parts=rel.split('/')
            if parts[-1] in ('mod','lib'): parts=parts[:-1]
            if parts and parts[-1]=='tests': continue
            files['::'.join(parts)]=open(p).read()
def strip_tests(s):
    i=s.find('#[cfg(test)]')
    s = s if i<0 else s[:i]
    return re.sub(r'//[^\n]*','',s)
# root re-exports: Name -> module
reexp={}  # (module, Name) -> module defining it
for modname,src in files.items():
    for m in re.finditer(r'pub(?:\(crate\))? use (\w+)::(\{[^}]*\}|\w+);',src,re.S):
        child=(modname+'::' if modname else '')+m.group(1)
        if child not in files: continue
        for n in re.findall(r'\w+',m.group(2)): reexp[(modname,n)]=child
def follow(mod,name):
    seen=0
    while (mod,name) in reexp and seen<10: mod=reexp[(mod,name)]; seen+=1
    return mod
def resolve(path):
    # path: list of segments after crate::
    for i in range(len(path),0,-1):
        cand='::'.join(path[:i])
        if cand in files:
            if i < len(path): return follow(cand, path[i])
            return cand
    if path and ('',path[0]) in reexp: return follow('',path[0])
    return None
def uses(mod,src):
    src=strip_tests(src)
    out=set()
    # expand use trees roughly
    for m in re.finditer(r'\buse\s+(crate|super)::([^;]*);',src,re.S):
        base=m.group(1); tree=m.group(2)
        prefix=[] if base=='crate' else mod.split('::')[:-1]
        def walk(t,pre):
            t=t.strip()
            if not t: return
            if t.startswith('{'):
                depth=0;cur='';items=[]
                for ch in t[1:-1]:
                    if ch=='{':depth+=1
                    if ch=='}':depth-=1
                    if ch==',' and depth==0: items.append(cur);cur=''
                    else: cur+=ch
                items.append(cur)
                for it in items: walk(it,pre)
                return
            if '::' in t:
                h,rest=t.split('::',1)
                if h=='self': walk(rest,pre); return
                walk(rest,pre+[h]); return
            name=re.split(r'\s',t)[0]
            if name=='self': out.add(resolve(pre)); return
            out.add(resolve(pre+[name]))
        walk(tree,prefix)
    for m in re.finditer(r'\bcrate::((?:\w+::)*\w+)',src):
        segs=m.group(1).split('::')
        out.add(resolve(segs))
    out.discard(None); out.discard(mod); out.discard('')
    return out
g={m:uses(m,s) for m,s in files.items() if m}
# remove edges to ancestors? no: keep. find cycles via DFS
sys.setrecursionlimit(10000)
color={};stack=[];cycles=[]
def dfs(u):
    color[u]=1;stack.append(u)
    for v in g.get(u,()):
        if v not in g: continue
        if color.get(v)==1: cycles.append(stack[stack.index(v):]+[v])
        elif not color.get(v): dfs(v)
    stack.pop();color[u]=2
for u in g:
    if not color.get(u): dfs(u)
for c in cycles: print(' -> '.join(c))
print(len(cycles),'module cycles in',root)
sys.exit(1 if cycles else 0)
