#!/usr/bin/env python3
"""Simulated false-alarm rate of the calibrated `auto` band (docs/statistics.md): 20 runs of
history, the next unchanged run, one-sided rate 0.01, for several noise shapes. Needs numpy, scipy."""
import numpy as np
from scipy import stats
rng=np.random.default_rng(7)
T=100000; n=20
def rate(x):
    h=np.log(x[:,:n]); new=np.log(x[:,n])
    m=np.median(h,1); s=1.482602218505602*np.median(np.abs(h-m[:,None]),1)
    nu=max(1,0.3675*(n-1)); half=stats.t.ppf(0.99,nu)*s*np.sqrt(1+np.pi/(2*n))
    half=np.maximum(half, np.log(1.01))
    return float(np.mean(new-m>half))
sh=(T,n+1)
print('normal logs', rate(np.exp(0.03*rng.standard_normal(sh))))
print('lognormal cv10', rate(rng.lognormal(0,0.1,sh)))
print('t5', rate(np.exp(0.03*rng.standard_t(5,sh))))
print('t3', rate(np.exp(0.03*rng.standard_t(3,sh))))
print('spikes', rate(1+0.02*rng.standard_normal(sh)+(rng.random(sh)<0.05)*rng.exponential(0.08,sh)))
