"""Word pools of the synthetic county: surnames, given names, phone prefixes.

Surname weights follow the published frequency ranking (percent of the population), with
the names common in western Shandong nudged up. Given names are drawn from pools that differ
by sex and by generation, so a grandmother is 秀英 and her granddaughter 梓涵.
"""

import numpy as np

SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 8.0),
    ("张", 7.5),
    ("李", 7.0),
    ("刘", 5.8),
    ("陈", 3.5),
    ("杨", 3.0),
    ("赵", 2.6),
    ("孙", 2.3),
    ("徐", 1.8),
    ("马", 1.6),
    ("于", 1.5),
    ("高", 1.4),
    ("朱", 1.2),
    ("胡", 1.2),
    ("郭", 1.2),
    ("吴", 1.2),
    ("周", 1.2),
    ("宋", 1.1),
    ("田", 1.0),
    ("孔", 0.9),
    ("韩", 0.9),
    ("郑", 0.8),
    ("何", 0.7),
    ("冯", 0.7),
    ("曹", 0.7),
    ("董", 0.7),
    ("许", 0.7),
    ("姜", 0.7),
    ("魏", 0.6),
    ("吕", 0.6),
    ("丁", 0.6),
    ("崔", 0.6),
    ("程", 0.5),
    ("石", 0.5),
    ("侯", 0.5),
    ("孟", 0.5),
    ("邢", 0.5),
    ("贾", 0.5),
    ("史", 0.5),
    ("焦", 0.4),
    ("黄", 0.4),
    ("林", 0.4),
    ("梁", 0.4),
    ("袁", 0.4),
    ("苏", 0.4),
    ("杜", 0.4),
    ("翟", 0.4),
    ("谷", 0.4),
    ("尹", 0.3),
    ("庞", 0.3),
    ("薛", 0.3),
    ("范", 0.3),
    ("付", 0.3),
    ("卢", 0.3),
    ("阎", 0.3),
    ("毛", 0.3),
    ("段", 0.3),
    ("任", 0.3),
    ("姚", 0.3),
    ("郝", 0.3),
    ("邵", 0.2),
    ("秦", 0.2),
    ("蒋", 0.2),
    ("沈", 0.2),
    ("唐", 0.2),
    ("罗", 0.2),
    ("谢", 0.2),
    ("彭", 0.2),
    ("邓", 0.2),
    ("潘", 0.2),
    ("葛", 0.2),
    ("牛", 0.2),
    ("夏", 0.2),
    ("白", 0.2),
    ("武", 0.2),
    ("陶", 0.2),
    ("钱", 0.2),
    ("方", 0.2),
)

# (sex, modern): first-character and second-character pools; a given name is one or two
# of them. "modern" = born 1980 or later.
GIVEN_CHARS: dict[tuple[str, bool], str] = {
    ("M", False): "建国明军强伟刚勇志海平庆林文华东春德福贵永兴洪振学金山长宝生成忠"
    "义民友新传立光荣胜利祥广保培树昌世连来玉恒全利云富胜法安胜家景元吉良增",
    ("M", True): "浩宇轩子博睿泽鹏杰涛磊俊晨航铭昊一梓宸豪辰逸凯锦嘉天皓瑞彬鑫超亮斌"
    "峰波阳帅飞硕琦宁旭东然哲晓文龙明振毅恒煜程翔",
    ("F", False): "秀英兰芳丽娟敏静燕红霞玉梅凤华艳萍桂珍香云荣翠爱美淑琴素菊花春月"
    "莲彩金巧玲秋冬风爱叶新丽雪慧",
    ("F", True): "婷雪颖慧欣怡佳雨涵诗梦思琪晓悦萱彤可馨蕾倩璐瑶琳娜洁薇晴雯佩楠文宁"
    "丹紫梓若依欢妍静雅琳月",
}
# Share of one-character given names by generation.
SINGLE_CHAR_SHARE = {False: 0.28, True: 0.12}
GIVEN_POOL_SIZE = 800  # two-character names per pool

MOBILE_PREFIXES = (
    130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 150, 151, 152, 153, 155, 156,
    157, 158, 159, 166, 176, 177, 178, 180, 181, 182, 183, 185, 186, 187, 188, 189,
    198, 199,
)  # fmt: skip


def surname_weights() -> np.ndarray:
    weights = np.array([w for _, w in SURNAMES], dtype=np.float64)
    return weights / weights.sum()


def _zipf(n: int, exponent: float) -> np.ndarray:
    weights = 1.0 / np.arange(1, n + 1) ** exponent
    return weights / weights.sum()


def given_name_pool(sex: str, modern: bool) -> tuple[list[str], np.ndarray]:
    """A fixed pool of given names with Zipf-like popularity (so 张伟 recurs, as it does).

    Built from its own constant seed: the pool is part of the county, not of a run.
    """
    chars = list(dict.fromkeys(GIVEN_CHARS[(sex, modern)]))
    rng = np.random.default_rng([7, sex == "M", modern])
    char_p = _zipf(len(chars), 0.6)
    doubles: list[str] = []
    seen: set[str] = set()
    while len(doubles) < GIVEN_POOL_SIZE:
        first, second = rng.choice(len(chars), size=2, p=char_p)
        name = chars[first] + chars[second]
        if name not in seen:
            seen.add(name)
            doubles.append(name)
    singles = [chars[i] for i in rng.permutation(len(chars))]
    share = SINGLE_CHAR_SHARE[modern]
    popularity = np.concatenate(
        [share * _zipf(len(singles), 0.9), (1 - share) * _zipf(len(doubles), 0.9)]
    )
    return singles + doubles, popularity
